"""Corpus tests of the AST sanitiser: ordinary code passes, each rule fires where it should, hostile input is bounded.

Run: python3 -m unittest discover -s runner-image/tests -p 'test_code_analyzer.py' -v
"""

import json
import os
import subprocess
import sys
import time
import unittest

ANALYZER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runner", "code_analyzer.py")
sys.path.insert(0, os.path.dirname(ANALYZER))

import code_analyzer  # noqa: E402
from code_analyzer import analyze  # noqa: E402

PI = '''import math
from fractions import Fraction

def leibniz(n):
    return 4 * sum((-1) ** k / (2 * k + 1) for k in range(n))

estimate = leibniz(100_000)
print(f"pi ~ {estimate:.6f} (error {abs(estimate - math.pi):.2e})")
print(Fraction(355, 113))
'''

CLASSES = '''from dataclasses import dataclass, field
from typing import List, Optional
from enum import Enum
import heapq, bisect, itertools, functools, statistics, collections


class Colour(Enum):
    RED = 1
    BLUE = 2


@dataclass(order=True)
class Task:
    priority: int
    name: str = field(compare=False)
    tags: List[str] = field(default_factory=list)

    def __str__(self):
        return f"{self.name} ({self.priority})"


class Queue:
    def __init__(self):
        self._heap = []

    def push(self, task: Task) -> None:
        heapq.heappush(self._heap, task)

    def pop(self) -> Optional[Task]:
        try:
            return heapq.heappop(self._heap)
        except IndexError:
            return None

    def __len__(self):
        return len(self._heap)


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


q = Queue()
for i, name in enumerate(["write", "test", "ship"]):
    q.push(Task(3 - i, name, tags=[Colour.RED.name]))
print(len(q), q.pop(), fib(30), statistics.mean([1, 2, 3]))
print(collections.Counter("hello"), bisect.bisect([1, 3, 5], 4), list(itertools.islice(itertools.count(), 3)))
squares = {x: x * x for x in range(10) if x % 2}
print(sorted(squares.items(), key=lambda kv: -kv[1]))
'''

FILE_IO = '''import csv, json, os, os.path
with open("data.csv", "w", newline="") as f:
    csv.writer(f).writerows([[1, 2], [3, 4]])
with open("data.csv") as f:
    rows = list(csv.reader(f))
json.dump(rows, open("out/rows.json" if os.path.isdir("out") else "rows.json", "w"))
print(os.getcwd(), os.listdir("."), os.path.join("a", "b"))
'''

STDLIB = '''import random, re, datetime, decimal, string, textwrap, time, hashlib, base64, copy, pprint, array, uuid
import operator, io, sys
from decimal import Decimal
random.seed(1)
print(random.randint(1, 6), re.findall(r"\\d+", "a1b22"), datetime.date.today().year > 2000)
print(Decimal("0.1") + Decimal("0.2"), string.ascii_letters[:3], textwrap.fill("x " * 50, 20))
print(hashlib.sha256(b"x").hexdigest(), base64.b64encode(b"hi"), copy.deepcopy([1, [2]]))
pprint.pprint({"a": 1}); print(array.array("i", [1, 2]), uuid.uuid4().version, operator.add(1, 2))
buf = io.StringIO(); buf.write("x"); print(buf.getvalue(), time.time() > 0)
data = sys.stdin.read() if len(sys.argv) > 5 else ""
sys.setrecursionlimit(2000)
name = input() if False else "world"
print(f"hello {name!r:>10}")
sys.exit(0)
'''


def rules(result, blocking=None):
    return [f["ruleId"] for f in result["findings"] if blocking is None or f["blocking"] == blocking]


class OrdinaryCode(unittest.TestCase):
    def assert_clean(self, code, policy="standard"):
        result = analyze(code, policy)
        self.assertEqual("allow", result["verdict"], result)
        self.assertEqual([], result["findings"], result)
        self.assertIsNone(result["syntaxError"])

    def test_pi_example(self):
        self.assert_clean(PI)

    def test_class_based_program(self):
        self.assert_clean(CLASSES)

    def test_file_io_in_work_dir(self):
        self.assert_clean(FILE_IO)

    def test_common_stdlib(self):
        self.assert_clean(STDLIB)

    def test_permissive_leaves_ordinary_code_alone(self):
        for code in (PI, CLASSES, FILE_IO, STDLIB):
            self.assertEqual("allow", analyze(code, "permissive")["verdict"])

    def test_strict_allows_pure_computation(self):
        self.assert_clean(PI, "strict")
        self.assert_clean("import sys\nn = int(sys.stdin.readline() or 3)\nprint(n * 2)\nsys.exit(0)\n", "strict")

    def test_strict_allows_classes_without_reflection(self):
        self.assertEqual("allow", analyze(CLASSES, "strict")["verdict"])

    def test_ordinary_dunders_and_names(self):
        self.assert_clean("class A:\n    def __init__(self):\n        self.__dict__.update(a=1)\n"
                          "if __name__ == '__main__':\n    print(A().__class__.__name__, repr(A()))\n")

    def test_asyncio_and_threading_allowed_in_standard(self):
        code = "import asyncio, threading\nasync def main():\n    await asyncio.sleep(0)\nasyncio.run(main())\n"
        self.assert_clean(code)
        self.assertEqual({"dangerous-import"}, set(rules(analyze(code, "strict"), True)))

    def test_method_named_like_builtins(self):
        self.assert_clean("import re\np = re.compile('a+')\nclass C:\n    def exec(self): pass\nC().exec()\n")


class Rules(unittest.TestCase):
    def finding(self, code, policy="standard", rule=None):
        result = analyze(code, policy)
        found = [f for f in result["findings"] if rule is None or f["ruleId"] == rule]
        self.assertTrue(found, result)
        return result, found[0]

    def assert_rejected(self, code, rule, line=None, column=None, policy="standard"):
        result, f = self.finding(code, policy, rule)
        self.assertEqual("reject", result["verdict"], result)
        self.assertTrue(f["blocking"], f)
        if line is not None:
            self.assertEqual((line, column), (f["line"], f["column"]), f)
        return f

    def test_import_subprocess(self):
        self.assert_rejected("x = 1\nimport subprocess\n", "dangerous-import", 2, 8)

    def test_import_position_in_list(self):
        self.assert_rejected("import json, socket\n", "dangerous-import", 1, 14)

    def test_from_import_network(self):
        self.assert_rejected("from urllib.request import urlopen\n", "dangerous-import", 1, 1)

    def test_import_submodule_as(self):
        self.assert_rejected("import http.client as hc\n", "dangerous-import")

    def test_relative_import(self):
        self.assert_rejected("from . import subprocess\n", "dangerous-import")
        self.assert_rejected("from .ctypes import CDLL\n", "dangerous-import")

    def test_ffi_blocked_in_every_policy(self):
        for policy in code_analyzer.POLICIES:
            self.assert_rejected("import ctypes\n", "dangerous-import", 1, 8, policy)
            self.assert_rejected("from mmap import mmap\n", "dangerous-import", policy=policy)

    def test_interpreter_internals(self):
        for module in ("gc", "inspect", "importlib", "builtins", "code", "marshal", "pickle", "shelve"):
            self.assert_rejected("import %s\n" % module, "dangerous-import")

    def test_os_system_position(self):
        self.assert_rejected("import os; os.system('id')", "dangerous-member", 1, 12)

    def test_os_members(self):
        for member in ("popen", "execv", "spawnl", "fork", "kill", "posix_spawn", "putenv"):
            self.assert_rejected("import os\nos.%s\n" % member, "dangerous-member", 2, 1)

    def test_os_only_blocked_in_strict(self):
        self.assertEqual("allow", analyze("import os\nprint(os.getcwd())\n", "standard")["verdict"])
        self.assert_rejected("import os\n", "dangerous-import", policy="strict")
        self.assert_rejected("import sys\nprint(sys.path)\n", "dangerous-member", 2, 7, "strict")

    def test_environ_strict_only(self):
        self.assertEqual("allow", analyze("import os\nprint(os.environ.get('HOME'))\n")["verdict"])
        self.assert_rejected("from os import environ\n", "dangerous-member", policy="strict")

    def test_process_allowed_but_reported_in_permissive(self):
        result = analyze("import subprocess\nsubprocess.run(['true'])\n", "permissive")
        self.assertEqual("allow", result["verdict"])
        self.assertIn("dangerous-import", rules(result, False))

    def test_eval_exec_compile(self):
        self.assert_rejected("x = eval('1 + 1')\n", "dynamic-code", 1, 5)
        self.assert_rejected("exec('print(1)')\n", "dynamic-code", 1, 1)
        self.assert_rejected("c = compile('1', 'f', 'eval')\n", "dynamic-code", 1, 5)

    def test_dynamic_import(self):
        self.assert_rejected("m = __import__('json')\n", "dynamic-import", 1, 5)
        self.assert_rejected("import importlib\nimportlib.import_module('json')\n", "dynamic-import", 2, 1)

    def test_breakpoint(self):
        self.assert_rejected("breakpoint()\n", "debugger", 1, 1)

    def test_open_outside_work_dir(self):
        self.assert_rejected("print(open('/etc/passwd').read())\n", "file-access", 1, 7)
        self.assert_rejected("open('../secret')\n", "file-access")
        self.assert_rejected("open('/pr' + 'oc/self/environ')\n", "file-access")
        self.assertEqual("allow", analyze("open('/dev/null', 'w').write('x')\n")["verdict"])

    def test_strict_blocks_any_open(self):
        self.assert_rejected("open('data.txt')\n", "file-access", 1, 1, "strict")

    def test_getattr_reflection(self):
        self.assertEqual("allow", analyze("name = input()\nprint(getattr(str, name, None))\n")["verdict"])
        self.assert_rejected("name = input()\nprint(getattr(str, name, None))\n", "reflection", 2, 7, "strict")
        self.assert_rejected("getattr(f, '__glo' + 'bals__')\n", "dunder-access")

    def test_globals_vars_locals_type3_in_strict(self):
        for code in ("globals()\n", "vars()\n", "locals()\n", "T = type('T', (), {})\n"):
            self.assertEqual("allow", analyze(code)["verdict"], code)
            self.assert_rejected(code, "reflection", policy="strict")

    def test_escape_dunders_blocked_everywhere(self):
        for attr in ("__subclasses__", "__globals__", "__builtins__", "__code__", "__closure__"):
            for policy in code_analyzer.POLICIES:
                self.assert_rejected("x = f.%s\n" % attr, "dunder-access", 1, 5, policy)

    def test_frame_attributes(self):
        for attr in ("f_globals", "f_back", "gi_frame", "tb_frame", "co_code", "cr_frame"):
            self.assert_rejected("y = x.%s\n" % attr, "frame-access", 1, 5, "permissive")
        self.assert_rejected("import sys\nsys._getframe(0)\n", "frame-access", 2, 1, "permissive")

    def test_class_alone_is_strict_only(self):
        self.assertEqual("allow", analyze("print((1).__class__)\n")["verdict"])
        self.assert_rejected("print((1).__class__)\n", "dunder-access", policy="strict")
        self.assert_rejected("().__class__.__bases__\n", "dunder-access")
        self.assert_rejected("().__class__.__mro__\n", "dunder-access")

    def test_module_namespace(self):
        self.assert_rejected("import os\nos.__dict__['system']('id')\n", "dunder-access")
        self.assert_rejected("import sys\nsys.modules['os'].system('id')\n", "dangerous-member")


class Obfuscation(unittest.TestCase):
    def assert_rejected(self, code, rule=None, policy="standard"):
        result = analyze(code, policy)
        self.assertEqual("reject", result["verdict"], result)
        if rule:
            self.assertIn(rule, rules(result, True), result)

    def test_import_alias(self):
        self.assert_rejected("import os as o\no.system('id')\n", "dangerous-member")

    def test_from_import_alias(self):
        result = analyze("from os import system as s\ns('id')\n")
        self.assertEqual([(1, 16), (2, 1)], [(f["line"], f["column"]) for f in result["findings"]])

    def test_assigned_member(self):
        self.assert_rejected("import os\ns = os.system\nt = s\nt('id')\n", "dangerous-member")

    def test_builtins_alias(self):
        self.assert_rejected("b = __builtins__\n", "dunder-access")

    def test_getattr_alias_with_folded_name(self):
        self.assert_rejected("g = getattr\ng(x, '__glo' + 'bals__')\n", "dunder-access")

    def test_getattr_builtins_eval(self):
        self.assert_rejected("getattr(__builtins__, 'ev' + 'al')('1')\n", "dynamic-code")

    def test_subclasses_chain(self):
        self.assert_rejected("().__class__.__bases__[0].__subclasses__()\n", "dunder-access", "permissive")

    def test_subclasses_in_comprehension(self):
        self.assert_rejected("[c for c in ().__class__.__base__.__subclasses__()]\n", "dunder-access", "permissive")

    def test_import_with_concatenated_name(self):
        result = analyze("__import__('o' + 's').system('id')\n")
        self.assertIn("dynamic-import", rules(result, True))
        self.assertIn("dangerous-member", rules(result, True))

    def test_import_ffi_via_dunder_import_in_permissive(self):
        self.assert_rejected("m = __import__('c' + 'types')\n", "dangerous-import", "permissive")

    def test_lambda_and_decorator_tricks(self):
        self.assert_rejected("f = lambda: __import__('os')\n", "dynamic-import")
        self.assert_rejected("@exec\ndef f(): pass\n", "dynamic-code")
        self.assert_rejected("run = (lambda e: e)(eval)\n", "dynamic-code")

    def test_exec_of_decoded_bytes(self):
        self.assert_rejected("exec(bytes([112, 114, 105, 110, 116]).decode())\n", "dynamic-code")

    def test_exec_of_constant_is_analysed(self):
        self.assert_rejected("exec('import ' + 'ctypes')\n", "dangerous-import", "permissive")

    def test_names_built_from_chr_base64_and_format(self):
        self.assert_rejected("n = ''.join(chr(c) for c in [95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95])\n"
                             "getattr(f, n)\n", "dunder-access")
        self.assert_rejected("import base64\ngetattr(f, base64.b64decode('X19nbG9iYWxzX18=').decode())\n",
                             "dunder-access")
        self.assert_rejected("getattr(f, '__%s__' % 'globals')\n", "dunder-access")
        self.assert_rejected("g = 'globals'\ngetattr(f, f'__{g}__')\n", "dunder-access")
        self.assert_rejected("getattr(f, '__slabolg__'[::-1])\n", "dunder-access")

    def test_format_string_attribute_walk(self):
        self.assert_rejected("print('{0.__init__.__globals__}'.format(f))\n", "dunder-access", "permissive")

    def test_getattr_os_member(self):
        self.assert_rejected("import os\ngetattr(os, 'sys' + 'tem')('id')\n", "dangerous-member")

    def test_sys_modules_lookup(self):
        self.assert_rejected("import sys\nsys.modules['o' + 's']\n", "dangerous-member")

    def test_star_import(self):
        self.assert_rejected("from os import *\nsystem('id')\n", "dangerous-member")

    def test_string_naming_escape(self):
        self.assert_rejected("d = globals()['__builtins__']\n", "dunder-access", "permissive")


class HostileInput(unittest.TestCase):
    def timed(self, code, policy="standard"):
        start = time.perf_counter()
        result = analyze(code, policy)
        elapsed = time.perf_counter() - start
        self.assertLess(elapsed, 2.0, "took %.2fs" % elapsed)
        return result

    def test_ten_megabytes_refused_quickly(self):
        result = self.timed("x = 1\n" * (10 * 1024 * 1024 // 6))
        self.assertEqual("reject", result["verdict"])
        self.assertEqual(["unanalyzable-code"], rules(result, True))

    def test_largest_accepted_size_within_budget(self):
        code = ("x = [i * 2 for i in range(10)]\nprint(x)\n" * (code_analyzer.MAX_CODE_CHARS // 40))
        self.assertLessEqual(len(code), code_analyzer.MAX_CODE_CHARS)
        self.assertEqual("allow", self.timed(code)["verdict"])

    def test_nested_parentheses(self):
        result = self.timed("(" * 100000 + ")" * 100000)
        self.assertEqual("syntax_error", result["verdict"])
        self.assertEqual(1, result["syntaxError"]["line"])

    def test_deep_lists_and_binops(self):
        self.assertIn(self.timed("x = " + "[" * 5000 + "]" * 5000)["verdict"], ("syntax_error", "reject"))
        result = self.timed("x = " + "1 + " * 5000 + "1\n")
        self.assertIn(result["verdict"], ("allow", "reject"))
        if result["verdict"] == "reject":
            self.assertEqual(["unanalyzable-code"], rules(result, True))

    def test_deep_unary_and_attribute_chains(self):
        for code in ("-" * 100000 + "1", "not " * 100000 + "x", "a" + ".b" * 100000, "f" + "()" * 100000):
            result = self.timed(code)
            self.assertIn(result["verdict"], ("reject", "syntax_error"))
            if result["verdict"] == "reject":
                self.assertEqual(["unanalyzable-code"], rules(result, True))

    def test_long_string_concatenation(self):
        result = self.timed("x = " + " + ".join(["'a'"] * 3000) + "\ngetattr(o, x)\n")
        self.assertIn(result["verdict"], ("allow", "reject"))

    def test_nul_bytes(self):
        result = self.timed("x = 1\ny = '\0'\n")
        self.assertEqual("syntax_error", result["verdict"])
        self.assertEqual(2, result["syntaxError"]["line"])

    def test_invalid_surrogates(self):
        result = self.timed("x = 1\ny = '\ud800'\n")
        self.assertEqual("syntax_error", result["verdict"])
        self.assertEqual(2, result["syntaxError"]["line"])

    def test_carriage_return_line_endings(self):
        result = self.timed("x = 1\rimport os\ros.system('id')\r")
        self.assertEqual([3], [f["line"] for f in result["findings"]])

    def test_bom(self):
        self.assertEqual("allow", self.timed("\ufeffprint('hi')\n")["verdict"])

    def test_mixed_tabs_and_spaces(self):
        result = self.timed("if True:\n\tx = 1\n        y = 2\n")
        self.assertEqual("syntax_error", result["verdict"])
        self.assertEqual("TabError", result["syntaxError"]["type"])
        self.assertEqual(3, result["syntaxError"]["line"])

    def test_syntax_error_line(self):
        result = self.timed("a = 1\nb = (\n")
        self.assertEqual("syntax_error", result["verdict"])
        self.assertEqual([], result["findings"])

    def test_non_ascii_columns_are_characters(self):
        f = analyze("s = 'héllo'; eval('1')\n")["findings"][0]
        self.assertEqual((1, 14), (f["line"], f["column"]))


class Server(unittest.TestCase):
    def test_serve_protocol_survives_garbage(self):
        requests = [
            {"id": 1, "code": "print(1)", "policy": "standard"},
            "not json",
            {"id": 2, "code": "import os\nos.system('id')", "policy": "standard"},
            {"id": 3, "code": "x = (", "policy": "strict"},
            {"id": 4, "code": "-" * 100000 + "1", "policy": "permissive"},
            {"id": 5, "code": "x = " + "1 + " * 15000 + "1", "policy": "standard"},
            {"id": 6, "code": 5, "policy": "standard"},
            {"id": 7, "code": "a = '\0'", "policy": "nope"},
            {"id": 8, "code": "print('\u00e9\ud800')", "policy": "standard"},
            {"id": 9, "code": "print('ok')"},
        ]
        payload = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in requests)
        proc = subprocess.run([sys.executable, "-I", "-S", "-B", ANALYZER, "--serve"], input=payload.encode(),
                              capture_output=True, timeout=60, env={})
        answers = [json.loads(line) for line in proc.stdout.decode("ascii").splitlines()]
        self.assertEqual(len(requests), len(answers), proc.stderr)
        by_id = {a["id"]: a for a in answers if a.get("id") is not None}
        self.assertEqual("allow", by_id[1]["verdict"])
        self.assertEqual("reject", by_id[2]["verdict"])
        self.assertEqual({"ruleId": "dangerous-member", "message": "use of os.system (process control)", "line": 2,
                          "column": 1, "blocking": True}, by_id[2]["findings"][0])
        self.assertEqual("syntax_error", by_id[3]["verdict"])
        self.assertEqual(1, by_id[3]["syntaxError"]["line"])
        self.assertEqual("reject", by_id[4]["verdict"])
        self.assertEqual("allow", by_id[5]["verdict"])  # the server parses deep (legal) expressions
        self.assertIn("error", by_id[6])
        self.assertIn("error", by_id[7])
        self.assertEqual("syntax_error", by_id[8]["verdict"])
        self.assertEqual("allow", by_id[9]["verdict"])
        self.assertEqual(0, proc.returncode)


if __name__ == "__main__":
    unittest.main()
