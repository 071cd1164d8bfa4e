"""Static analysis of untrusted Python code before it runs (defence in depth; the OS boundary is the real one).

Python-aware: the code is parsed with Python's own ``ast`` module and the tree is walked iteratively, so the text
that is analysed is exactly the text that will execute. Standard library only, Python 3.9+.

Library use:  ``analyze(code, policy) -> dict``
Server use:   ``python3 -I -S -B code_analyzer.py --serve``; one JSON request per line on stdin
              ``{"id": 1, "code": "...", "policy": "strict|standard|permissive"}``, one JSON answer per line on stdout
              ``{"id": 1, "verdict": "allow|reject|syntax_error", "findings": [...], "syntaxError": {...}|null}``.
              A request that is not understood is answered ``{"id": <id or null>, "error": "..."}``.

Lines are 1-based; columns are 1-based character offsets (not UTF-8 byte offsets as in the ``ast`` module).
"""

import ast
import base64
import binascii
import builtins as _builtins
import codecs
import gc
import json
import re
import string
import sys

__all__ = ["analyze", "POLICIES", "RULES", "MAX_CODE_CHARS"]

POLICIES = ("strict", "standard", "permissive")
DEFAULT_POLICY = "standard"

# Larger code is refused without parsing (the service caps code at 256 KiB by default): parsing and walking
# take about 1 s per 512 KiB of dense code, and the caller waits.
MAX_CODE_CHARS = 512 * 1024
# Nested analysis of constant strings given to exec/eval/compile.
MAX_NESTED_DEPTH = 3
MAX_NESTED_CHARS = 64 * 1024
# Constant folding bounds: candidate values per expression, length of a folded value, expression depth.
MAX_CANDIDATES = 16
MAX_FOLDED_LEN = 8192
MAX_FOLD_DEPTH = 48
MAX_RESOLVE_DEPTH = 48
MAX_FINDINGS = 200

B, W = "block", "warn"  # blocking finding / non-blocking finding; None = no finding

# Severity per policy: (strict, standard, permissive).
PROCESS = (B, B, W)
NETWORK = (B, B, W)
FFI = (B, B, B)
ESCAPE = (B, B, B)
INTERNALS = (B, B, W)
DESERIALISE = (B, B, W)
THREADS = (B, None, None)
ASYNC = (B, None, None)
OS_MODULE = (B, None, None)
ENV_READ = (B, None, None)
ENV_WRITE = (B, B, W)
DUNDER = (B, B, W)
STRICT_ONLY = (B, None, None)
DYNAMIC_CODE = (B, B, W)
DYNAMIC_IMPORT = (B, B, W)
DEBUGGER = (B, B, W)
FILE_ANY = (B, None, None)
FILE_OUTSIDE = (B, B, W)
SYS_DANGER = (B, B, W)
UNANALYZABLE = (B, B, B)

RULES = {
    "dangerous-import": "import of a module that controls processes, the network, native code or the interpreter",
    "dangerous-member": "use of a dangerous module member (os.system, sys.modules, types.CodeType, ...)",
    "dynamic-code": "eval / exec / compile",
    "dynamic-import": "__import__ / importlib.import_module",
    "debugger": "breakpoint / pdb",
    "reflection": "getattr/setattr/delattr with a computed name, globals/vars/locals, type() with 3 arguments",
    "dunder-access": "attribute or string naming an interpreter escape route (__subclasses__, __globals__, ...)",
    "frame-access": "access to frames, code objects or the object graph (f_globals, sys._getframe, gc.get_objects)",
    "file-access": "file access (any open in strict; paths outside the work directory otherwise)",
    "unanalyzable-code": "code the analyser cannot parse or walk within its bounds",
}

# --- modules ---------------------------------------------------------------------------------------------------

_MODULES = {}


def _modules(category, reason, names):
    for name in names.split():
        _MODULES[name] = (category, reason)


_modules(PROCESS, "process control", "subprocess multiprocessing pty signal posix nt _posixsubprocess _winapi "
         "webbrowser distutils ensurepip venv _posixshmem")
_modules(NETWORK, "networking", "socket _socket ssl _ssl http urllib ftplib smtplib smtpd telnetlib poplib imaplib "
         "nntplib xmlrpc socketserver asyncore asynchat requests urllib3 httpx aiohttp websocket websockets "
         "paramiko")
_modules(FFI, "native code (FFI)", "ctypes _ctypes cffi mmap _testcapi _testinternalcapi _testbuffer")
_modules(INTERNALS, "interpreter internals", "gc inspect importlib builtins __builtin__ code codeop imp _imp "
         "runpy pkgutil zipimport site _frozen_importlib _frozen_importlib_external sysconfig _xxsubinterpreters")
_modules(DESERIALISE, "unsafe deserialisation", "pickle _pickle cPickle shelve dill cloudpickle copyreg marshal "
         "joblib")
_modules(DEBUGGER, "debugger", "pdb bdb trace")
_modules(THREADS, "threads", "threading _thread concurrent")
_modules(ASYNC, "asyncio", "asyncio")
_modules(OS_MODULE, "operating system access", "os")
_modules(FILE_ANY, "file access", "pathlib shutil tempfile fileinput glob")

# io members `strict` allows (io.open and the file classes are file access).
_IO_STRICT_ALLOWED = {"io.StringIO", "io.BytesIO", "io.TextIOWrapper", "io.UnsupportedOperation"}

# --- members ---------------------------------------------------------------------------------------------------

_MEMBERS = {}


def _members(category, rule, reason, qualified):
    for name in qualified.split():
        _MEMBERS[name] = (category, rule, reason)


_OS_SPAWN = ("system popen execl execle execlp execlpe execv execve execvp execvpe spawnl spawnle spawnlp "
             "spawnlpe spawnv spawnve spawnvp spawnvpe fork forkpty kill killpg posix_spawn posix_spawnp "
             "register_at_fork startfile pidfd_open setuid setgid seteuid setegid setreuid setregid setresuid "
             "setresgid setgroups initgroups chroot setns unshare")
for _mod in ("os", "posix", "nt"):
    _members(PROCESS, "dangerous-member", "process control", " ".join(_mod + "." + m for m in _OS_SPAWN.split()))
    _members(ENV_WRITE, "dangerous-member", "environment change", _mod + ".putenv " + _mod + ".unsetenv")
    _members(ENV_READ, "dangerous-member", "environment access",
             " ".join(_mod + "." + m for m in "environ environb getenv getenvb".split()))
    _members(DUNDER, "dunder-access", "module namespace", _mod + ".__dict__")
_members(PROCESS, "dangerous-member", "process control",
         "concurrent.futures.ProcessPoolExecutor asyncio.create_subprocess_exec asyncio.create_subprocess_shell "
         "asyncio.subprocess platform.popen pydoc.pipepager pydoc.tempfilepager")
_members(NETWORK, "dangerous-member", "networking", "asyncio.open_connection asyncio.start_server "
         "asyncio.open_unix_connection asyncio.start_unix_server")
_members(ESCAPE, "frame-access", "frame access", "sys._getframe sys._current_frames sys._current_exceptions "
         "inspect.currentframe inspect.stack inspect.trace inspect.getouterframes inspect.getinnerframes "
         "gc.get_objects gc.get_referrers gc.get_referents types.CodeType")
_members(SYS_DANGER, "dangerous-member", "interpreter state", "sys.modules sys.settrace sys.setprofile sys.meta_path "
         "sys.path_hooks sys.path_importer_cache sys.__dict__ sys.breakpointhook sys.__breakpointhook__ "
         "sys.__interactivehook__ sys.addaudithook")
_members(STRICT_ONLY, "reflection", "function construction", "types.FunctionType types.LambdaType "
         "types.MethodType")
_members(DYNAMIC_CODE, "dynamic-code", "dynamic code", "builtins.eval builtins.exec builtins.compile")
_members(DYNAMIC_IMPORT, "dynamic-import", "dynamic import", "builtins.__import__ importlib.import_module "
         "importlib.__import__ importlib.reload importlib.util.spec_from_file_location")
_members(DEBUGGER, "debugger", "debugger", "builtins.breakpoint")
_members(STRICT_ONLY, "reflection", "namespace reflection", "builtins.globals builtins.locals builtins.vars")
_members(FILE_ANY, "file-access", "file access", "builtins.open io.open io.FileIO io.open_code os.open os.fdopen codecs.open")
_members(DUNDER, "dunder-access", "builtins namespace", "builtins.__dict__")

# sys members `strict` allows; everything else of sys is refused there.
_SYS_STRICT_ALLOWED = set("stdin stdout stderr argv exit maxsize version version_info float_info int_info "
                          "hash_info byteorder platform getrecursionlimit setrecursionlimit getsizeof maxunicode "
                          "float_repr_style set_int_max_str_digits get_int_max_str_digits".split())

# --- attribute names -------------------------------------------------------------------------------------------

_ESCAPE_ATTRS = set("__subclasses__ __globals__ __builtins__ __code__ __closure__ f_globals f_locals f_back "
                    "f_builtins f_code f_trace gi_frame gi_code cr_frame cr_code ag_frame ag_code tb_frame "
                    "co_code".split())
_DUNDER_ATTRS = set("__mro__ __bases__ __base__ __getattribute__ __reduce__ __reduce_ex__ __loader__ __spec__ "
                    "__import__ __self__ __objclass__".split())
# Dunders `strict` still allows (everything else of the __x__ form is refused there).
_STRICT_ALLOWED_DUNDERS = set("__init__ __name__ __qualname__ __doc__ __module__ __version__ __str__ __repr__ "
                              "__len__ __iter__ __next__ __enter__ __exit__ __eq__ __ne__ __lt__ __le__ __gt__ "
                              "__ge__ __hash__ __contains__ __getitem__ __setitem__ __delitem__ __add__ __sub__ "
                              "__mul__ __truediv__ __floordiv__ __mod__ __neg__ __abs__ __bool__ __call__ "
                              "__annotations__ __main__ __file__".split())
_DANGEROUS_NAMES = {}  # member name -> category, for getattr/attrgetter on objects the analyser cannot resolve
for _q, (_cat, _rule, _reason) in _MEMBERS.items():
    if _q.split(".")[0] in ("os", "posix", "nt") and _cat in (PROCESS, ENV_WRITE):
        _DANGEROUS_NAMES[_q.split(".", 1)[1]] = (_cat, _rule, _reason)
    if _q.startswith("builtins.") and _cat in (DYNAMIC_CODE, DYNAMIC_IMPORT):
        _DANGEROUS_NAMES[_q.split(".", 1)[1]] = (_cat, _rule, _reason)

_BUILTIN_NAMES = set(dir(_builtins)) | {"__builtins__"}
_REFLECTION_CALLS = {"builtins.getattr", "builtins.setattr", "builtins.delattr", "builtins.hasattr",
                     "operator.attrgetter", "operator.methodcaller"}
_PATH_CALLS = set("builtins.open io.open io.FileIO codecs.open os.open os.listdir os.scandir os.walk os.stat "
                  "os.lstat os.remove os.unlink os.rename os.replace os.chdir os.mkdir os.makedirs os.rmdir "
                  "os.removedirs os.readlink os.symlink os.link os.chmod os.chown os.truncate os.utime "
                  "os.path.exists os.path.isfile os.path.isdir os.path.getsize os.access pathlib.Path "
                  "pathlib.PosixPath pathlib.PurePath shutil.copy shutil.copyfile shutil.copytree shutil.rmtree "
                  "shutil.move glob.glob glob.iglob fileinput.input tempfile.mkstemp "
                  "tempfile.TemporaryDirectory".split())
_ALLOWED_ABSOLUTE = {"/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr"}

_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


class _Unanalyzable(Exception):
    pass


def _severity(category, policy):
    return category[POLICIES.index(policy)]


class _Analysis:
    def __init__(self, code, policy, depth=0):
        self.code = code
        self.policy = policy
        self.depth = depth
        self.findings = []
        self.seen = set()
        self.lines = None
        self.bindings = {}       # name -> list of value nodes or qualified-name strings
        self.complex_names = set()  # names bound in ways constant folding cannot follow
        self.fold_memo = {}
        self.resolve_memo = {}
        self.resolving = set()
        self.folding = set()

    # -- findings --
    def add(self, category, rule, message, node=None, line=None, column=None):
        sev = _severity(category, self.policy)
        if sev is None:
            return
        if node is not None:
            line, column = self.position(node)
        key = (rule, line, column, message)
        if key in self.seen or len(self.findings) >= MAX_FINDINGS:
            return
        self.seen.add(key)
        self.findings.append({"ruleId": rule, "message": message, "line": line or 1, "column": column or 1,
                              "blocking": sev == B})

    def position(self, node):
        line = getattr(node, "lineno", None) or 1
        offset = getattr(node, "col_offset", None) or 0
        if offset:
            if self.lines is None:
                self.lines = _LINE_SPLIT.split(self.code)
            if 0 < line <= len(self.lines):
                text = self.lines[line - 1]
                if not text.isascii():
                    offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace"))
        return line, offset + 1

    # -- bindings (flow-insensitive, conservative) --
    def bind(self, name, value):
        self.bindings.setdefault(name, []).append(value)

    def collect_bindings(self, nodes):
        simple_targets = set()
        stores = []
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.bind(alias.asname, alias.name)
                    else:
                        self.bind(alias.name.split(".")[0], alias.name.split(".")[0])
                    self.complex_names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    local = alias.asname or alias.name
                    self.bind(local, (module + "." + alias.name) if module else alias.name)
                    self.complex_names.add(local)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is None:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.bind(target.id, node.value)
                        simple_targets.add(id(target))
                    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) \
                            and len(target.elts) == len(node.value.elts):
                        for t, v in zip(target.elts, node.value.elts):
                            if isinstance(t, ast.Name):
                                self.bind(t.id, v)
                                simple_targets.add(id(t))
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                stores.append(node)
            elif isinstance(node, ast.arg):
                self.complex_names.add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.complex_names.add(node.name)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.complex_names.add(node.name)
            elif isinstance(node, ast.alias):
                pass
        for node in stores:
            if id(node) not in simple_targets:
                self.complex_names.add(node.id)

    # -- resolution of names to qualified names (os.system, builtins.eval, ...) --
    def resolve(self, node, depth=0):
        key = id(node)
        if key in self.resolve_memo:
            return self.resolve_memo[key]
        if depth > MAX_RESOLVE_DEPTH or key in self.resolving:
            return set()
        self.resolving.add(key)
        try:
            result = self._resolve(node, depth + 1)
        finally:
            self.resolving.discard(key)
        if len(result) > MAX_CANDIDATES * 4:
            result = set(sorted(result)[:MAX_CANDIDATES * 4])
        self.resolve_memo[key] = result
        return result

    def _resolve(self, node, depth):
        if isinstance(node, ast.Name):
            # Flow-insensitive: a name resolves the same everywhere, so it is resolved once.
            key = ("name", node.id)
            if key in self.resolve_memo:
                out = set(self.resolve_memo[key])
            elif key in self.resolving:
                out = set()
            else:
                self.resolving.add(key)
                out = set()
                try:
                    for value in self.bindings.get(node.id, ()):
                        if isinstance(value, str):
                            out.add(value)
                        else:
                            out |= self.resolve(value, depth)
                        if len(out) > MAX_CANDIDATES * 4:
                            break
                finally:
                    self.resolving.discard(key)
                self.resolve_memo[key] = frozenset(out)
            if node.id == "__builtins__":
                out.add("builtins")
            elif node.id in _BUILTIN_NAMES:
                out.add("builtins." + node.id)
            return out
        if isinstance(node, ast.Attribute):
            return {q + "." + node.attr for q in self.resolve(node.value, depth)}
        if isinstance(node, ast.NamedExpr):
            return self.resolve(node.value, depth)
        if isinstance(node, ast.Call):
            callee = self.resolve(node.func, depth)
            if callee & {"builtins.__import__", "importlib.import_module", "importlib.__import__"} and node.args:
                names = self.fold_strings(node.args[0])
                out = set()
                for name in names or ():
                    out.add(name)
                    if "builtins.__import__" in callee:
                        out.add(name.split(".")[0])
                return out
            if "builtins.getattr" in callee and len(node.args) >= 2:
                names = self.fold_strings(node.args[1]) or ()
                return {q + "." + n for q in self.resolve(node.args[0], depth) for n in names}
            if "builtins.vars" in callee and node.args:
                return {q + ".__dict__" for q in self.resolve(node.args[0], depth)}
            return set()
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value, depth)
            keys = self.fold_strings(_subscript_index(node)) or ()
            out = set()
            for q in base:
                for k in keys:
                    if q == "sys.modules":
                        out.add(k)
                    elif q.endswith(".__dict__"):
                        out.add(q[: -len(".__dict__")] + "." + k)
                    elif q == "builtins":
                        out.add("builtins." + k)
            return out
        return set()

    # -- constant folding --
    def fold_strings(self, node):
        """Candidate string values of an expression, or None when they cannot be determined."""
        if node is None:
            return None
        values = self.fold(node, 0)
        if values is None:
            return None
        out = []
        for v in values:
            if isinstance(v, (bytes, bytearray)):
                try:
                    v = bytes(v).decode("utf-8")
                except UnicodeDecodeError:
                    continue
            if isinstance(v, str):
                out.append(v)
        return out or None

    def fold(self, node, depth):
        key = id(node)
        if key in self.fold_memo:
            return self.fold_memo[key]
        if depth > MAX_FOLD_DEPTH or key in self.folding:
            return None
        self.folding.add(key)
        try:
            result = self._fold(node, depth + 1)
        except (ValueError, TypeError, OverflowError, LookupError, UnicodeError, binascii.Error, AttributeError,
                ArithmeticError):
            result = None
        finally:
            self.folding.discard(key)
        if result is not None:
            result = [v for v in result if _size(v) <= MAX_FOLDED_LEN][:MAX_CANDIDATES] or None
        self.fold_memo[key] = result
        return result

    def _fold(self, node, depth):
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, (str, bytes)) and len(v) > MAX_NESTED_CHARS:
                return None
            return [v] if isinstance(v, (str, bytes, int, float, bool, type(None))) else None
        if isinstance(node, ast.Name):
            if node.id in self.complex_names or node.id not in self.bindings:
                return None
            key = ("name", node.id)
            if key in self.fold_memo:
                return self.fold_memo[key]
            if key in self.folding:
                return None
            self.folding.add(key)
            out = []
            try:
                for value in self.bindings[node.id]:
                    folded = None if isinstance(value, str) else self.fold(value, depth)
                    if folded is None:
                        out = None
                        break
                    out.extend(folded)
                    if len(out) > MAX_CANDIDATES:
                        out = None
                        break
            finally:
                self.folding.discard(key)
            self.fold_memo[key] = out
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            vals = self.fold(node.operand, depth)
            if vals is None or not all(isinstance(v, (int, float)) for v in vals):
                return None
            return [-v if isinstance(node.op, ast.USub) else v for v in vals]
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                operands = []
                current = node
                while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                    operands.append(current.right)
                    current = current.left
                    if len(operands) > 4096:
                        return None
                operands.append(current)
                operands.reverse()
                acc = [None]
                for operand in operands:
                    vals = self.fold(operand, depth)
                    if vals is None:
                        return None
                    acc = [v if a is None else a + v for a in acc for v in vals][:MAX_CANDIDATES]
                    if any(_size(a) > MAX_FOLDED_LEN for a in acc):
                        return None
                return acc
            left, right = self.fold(node.left, depth), self.fold(node.right, depth)
            if left is None or right is None:
                return None
            out = []
            for a in left:
                for b in right:
                    if isinstance(node.op, ast.Mult):
                        n, s = (b, a) if isinstance(b, int) else (a, b)
                        if not isinstance(n, int) or not isinstance(s, (str, bytes)) or n * len(s) > MAX_FOLDED_LEN:
                            return None
                        out.append(s * n)
                    elif isinstance(node.op, ast.Mod) and isinstance(a, str) and _safe_percent(a):
                        out.append(a % b)
                    else:
                        return None
            return out
        if isinstance(node, ast.JoinedStr):
            acc = [""]
            for part in node.values:
                if isinstance(part, ast.Constant):
                    vals = [part.value]
                elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                    vals = self.fold(part.value, depth)
                    if vals is None:
                        return None
                    conv = {-1: str, 115: str, 114: repr, 97: ascii}[part.conversion]
                    vals = [conv(v) for v in vals if isinstance(v, (str, int))]
                else:
                    return None
                acc = [a + v for a in acc for v in vals][:MAX_CANDIDATES]
            return acc
        if isinstance(node, (ast.Tuple, ast.List)):
            acc = [[]]
            if len(node.elts) > MAX_FOLDED_LEN:
                return None
            for elt in node.elts:
                vals = self.fold(elt, depth)
                if vals is None:
                    return None
                acc = [a + [v] for a in acc for v in vals][:MAX_CANDIDATES]
            return [tuple(a) for a in acc]
        if isinstance(node, ast.Subscript):
            base = self.fold(node.value, depth)
            index = _subscript_index(node)
            if base is None:
                return None
            if isinstance(index, ast.Slice):
                parts = []
                for p in (index.lower, index.upper, index.step):
                    vals = [None] if p is None else self.fold(p, depth)
                    if vals is None or len(vals) != 1:
                        return None
                    parts.append(vals[0])
                return [b[slice(*parts)] for b in base]
            idx = self.fold(index, depth)
            if idx is None:
                return None
            return [b[i] for b in base for i in idx if isinstance(i, int) and not isinstance(b, (int, float))]
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)) and len(node.generators) == 1:
            gen = node.generators[0]
            if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name):
                return None
            iters = self.fold(gen.iter, depth)
            if iters is None or len(iters) != 1:
                return None
            items = iters[0]
            if isinstance(items, (str, bytes)):
                items = list(items)
            if not isinstance(items, (tuple, list)) or len(items) > MAX_FOLDED_LEN:
                return None
            out = []
            for item in items:
                vals = self._fold_with(node.elt, gen.target.id, item, depth)
                if vals is None or len(vals) != 1:
                    return None
                out.append(vals[0])
            return [tuple(out)]
        if isinstance(node, ast.Call):
            return self._fold_call(node, depth)
        return None

    def _fold_with(self, expr, name, value, depth):
        """Folds `expr` with `name` bound to `value` (one comprehension element)."""
        saved = (self.bindings.get(name), name in self.complex_names)
        self.bindings[name] = [ast.Constant(value=value)]
        self.complex_names.discard(name)
        self.fold_memo = {}
        try:
            return self.fold(expr, depth)
        finally:
            if saved[0] is None:
                self.bindings.pop(name, None)
            else:
                self.bindings[name] = saved[0]
            if saved[1]:
                self.complex_names.add(name)
            self.fold_memo = {}

    def _fold_call(self, node, depth):
        if node.keywords and any(k.arg is None for k in node.keywords):
            return None
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                return None
            vals = self.fold(a, depth)
            if vals is None or len(vals) != 1:
                return None
            args.append(vals[0])
        kwargs = {}
        for k in node.keywords:
            vals = self.fold(k.value, depth)
            if vals is None or len(vals) != 1:
                return None
            kwargs[k.arg] = vals[0]
        func = node.func
        if isinstance(func, ast.Attribute):
            receivers = self.fold(func.value, depth)
            if receivers is not None:
                out = []
                for r in receivers:
                    v = _string_method(r, func.attr, args, kwargs)
                    if v is None:
                        return None
                    out.append(v)
                return out
        callee = self.resolve(func)
        for q in callee:
            v = _pure_function(q, args, kwargs)
            if v is not None:
                return [v]
        return None

    # -- the walk --
    def run(self, tree):
        nodes = _iter_nodes(tree)
        self.collect_bindings(nodes)
        for node in nodes:
            if type(node) in _INERT_NODES:
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.check_module(alias.name, alias, node)
            elif isinstance(node, ast.ImportFrom):
                self.check_import_from(node)
            elif isinstance(node, ast.Name):
                self.check_name(node)
            elif isinstance(node, ast.Attribute):
                self.check_attribute(node)
            elif isinstance(node, ast.Call):
                self.check_call(node)
            elif isinstance(node, ast.Constant):
                if isinstance(node.value, str) and len(node.value) < 64:
                    self.check_attr_name(node.value, node, "string constant")
            elif isinstance(node, ast.Subscript):
                index = _subscript_index(node)
                if not isinstance(index, ast.Constant):
                    self.check_folded(index, "subscript key")
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
                if node.value is not None and not isinstance(node.value, ast.Constant):
                    self.check_folded(node.value, "assigned value")
        return self.findings

    def check_module(self, name, where, stmt):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in _MODULES:
                category, reason = _MODULES[prefix]
                self.add(category, "dangerous-import", "import of %s (%s)" % (name, reason),
                         node=where if hasattr(where, "lineno") else stmt)
                return
            if prefix in _MEMBERS:
                self.check_member(prefix, where if hasattr(where, "lineno") else stmt)
                return

    def check_import_from(self, node):
        module = node.module or ""
        if module:
            self.check_module(module, node, node)
        for alias in node.names:
            where = alias if hasattr(alias, "lineno") else node
            if alias.name == "*":
                worst = None
                for q, (cat, rule, reason) in _MEMBERS.items():
                    if q.rsplit(".", 1)[0] == module and cat in (PROCESS, ESCAPE, DYNAMIC_CODE, DYNAMIC_IMPORT):
                        worst = (cat, rule, "star import from %s exposes %s (%s)" % (module, q, reason))
                        break
                if worst:
                    self.add(worst[0], worst[1], worst[2], node=node)
                continue
            qualified = (module + "." + alias.name) if module else alias.name
            if module:
                # `from os import system`: the member; `from concurrent import futures`: a submodule.
                self.check_member(qualified, where)
                if qualified in _MODULES and module not in _MODULES:
                    self.check_module(qualified, where, node)
            else:
                self.check_module(alias.name, where, node)
            self.check_attr_name(alias.name, where, "imported name")

    def check_member(self, qualified, node):
        entry = _MEMBERS.get(qualified)
        if entry:
            category, rule, reason = entry
            if category is FILE_ANY and qualified == "builtins.open":
                return  # judged at the call, with its path
            self.add(category, rule, "use of %s (%s)" % (_display(qualified), reason), node=node)
            return
        module, _, member = qualified.rpartition(".")
        if module == "sys" and member not in _SYS_STRICT_ALLOWED:
            self.add(STRICT_ONLY, "dangerous-member", "use of sys.%s (interpreter state)" % member, node=node)
        elif module == "io" and qualified not in _IO_STRICT_ALLOWED:
            self.add(FILE_ANY, "file-access", "use of %s (file access)" % qualified, node=node)

    def check_name(self, node):
        if (node.id in _ESCAPE_ATTRS or node.id in _DUNDER_ATTRS) and node.id != "__import__":
            self.check_attr_name(node.id, node, "name")
        if not isinstance(node.ctx, ast.Load):
            return
        for q in self.resolve(node):
            if "." in q:
                self.check_member(q, node)

    def check_attribute(self, node):
        self.check_attr_name(node.attr, node, "attribute")
        for q in self.resolve(node):
            self.check_member(q, node)
        if node.attr == "__dict__":
            bases = self.resolve(node.value)
            if any("." not in q or q.count(".") == 1 and q.split(".")[1] == "path" for q in bases):
                self.add(DUNDER, "dunder-access", "access to a module namespace (__dict__)", node=node)

    def check_attr_name(self, name, node, what):
        if name in _ESCAPE_ATTRS:
            rule = "dunder-access" if name.startswith("__") else "frame-access"
            self.add(ESCAPE, rule, "%s %s (interpreter escape route)" % (what, name), node=node)
        elif name in _DUNDER_ATTRS:
            self.add(DUNDER, "dunder-access", "%s %s (interpreter escape route)" % (what, name), node=node)
        elif (what == "attribute" and name.startswith("__") and name.endswith("__") and len(name) > 4
              and name not in _STRICT_ALLOWED_DUNDERS):
            self.add(STRICT_ONLY, "dunder-access", "%s %s" % (what, name), node=node)

    def check_folded(self, node, what):
        if isinstance(node, (ast.BinOp, ast.JoinedStr, ast.Call, ast.Name, ast.Subscript)):
            for value in self.fold_strings(node) or ():
                if len(value) < 64:
                    self.check_attr_name(value, node, what + " " + repr(value) + " names")

    def check_call(self, node):
        callee = self.resolve(node.func)
        for arg in node.args:
            if not isinstance(arg, ast.Constant):
                self.check_folded(arg, "argument")
        if callee & _REFLECTION_CALLS:
            self.check_reflection(node, callee)
        if callee & {"builtins.eval", "builtins.exec", "builtins.compile"} and node.args:
            self.check_nested_code(node)
        if callee & {"builtins.__import__", "importlib.import_module", "importlib.__import__"} and node.args:
            for name in self.fold_strings(node.args[0]) or ():
                self.check_module(name, node, node)
        if "builtins.type" in callee and len(node.args) == 3:
            self.add(STRICT_ONLY, "reflection", "type() with three arguments creates a class dynamically", node=node)
        if "builtins.vars" in callee and node.args:
            if any("." not in q for q in self.resolve(node.args[0])):
                self.add(DUNDER, "dunder-access", "vars() of a module exposes its namespace", node=node)
        if callee & _PATH_CALLS:
            self.check_path(node, callee)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "format_map"):
            for template in self.fold_strings(node.func.value) or ():
                self.check_format_template(template, node)

    def check_reflection(self, node, callee):
        if callee & {"operator.attrgetter", "operator.methodcaller"}:
            name_nodes = node.args[:1] if "operator.methodcaller" in callee else node.args
        else:
            name_nodes = node.args[1:2]
        if not name_nodes:
            return
        getattr_like = not (callee & {"operator.attrgetter", "operator.methodcaller"})
        objects = self.resolve(node.args[0]) if getattr_like else set()
        for name_node in name_nodes:
            names = self.fold_strings(name_node)
            if names is None:
                self.add(STRICT_ONLY, "reflection", "%s with a computed attribute name"
                         % _display(sorted(callee & _REFLECTION_CALLS)[0]), node=node)
                continue
            for full in names:
                for name in full.split("."):
                    if not isinstance(name_node, ast.Constant):
                        self.check_attr_name(name, node, "attribute name")
                    elif name.startswith("__") and name.endswith("__") and name not in _STRICT_ALLOWED_DUNDERS:
                        self.add(STRICT_ONLY, "dunder-access", "attribute name " + name, node=node)
                    if name in _DANGEROUS_NAMES and (not objects or "builtins" in objects):
                        cat, rule, reason = _DANGEROUS_NAMES[name]
                        self.add(cat, rule, "attribute name %r (%s) looked up dynamically" % (name, reason),
                                 node=node)
            if "builtins.getattr" in callee and len(node.args) >= 2:
                # getattr(os, 'system') is os.system; findings for the member itself
                for q in self.resolve(node):
                    self.check_member(q, node)

    def check_nested_code(self, node):
        for source in self.fold_strings(node.args[0]) or ():
            if self.depth >= MAX_NESTED_DEPTH or len(source) > MAX_NESTED_CHARS:
                continue
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            inner = _Analysis(source, self.policy, self.depth + 1)
            for f in inner.run(tree):
                sev = B if f["blocking"] else W
                line, column = self.position(node)
                key = (f["ruleId"], line, column, f["message"])
                if key not in self.seen and len(self.findings) < MAX_FINDINGS:
                    self.seen.add(key)
                    self.findings.append({"ruleId": f["ruleId"], "message": "in code given to exec/eval: "
                                          + f["message"], "line": line, "column": column, "blocking": sev == B})

    def check_path(self, node, callee):
        paths = None
        if node.args:
            paths = self.fold_strings(node.args[0])
        elif node.keywords:
            for k in node.keywords:
                if k.arg in ("file", "path", "src", "pathname"):
                    paths = self.fold_strings(k.value)
        outside = [p for p in paths or () if _outside_work_dir(p)]
        if outside:
            self.add(FILE_OUTSIDE, "file-access", "file access outside the work directory: %r" % outside[0],
                     node=node)
        elif "builtins.open" in callee:
            self.add(FILE_ANY, "file-access", "file access (open)", node=node)

    def check_format_template(self, template, node):
        try:
            fields = list(string.Formatter().parse(template))
        except (ValueError, TypeError):
            return
        for _, field, spec, _ in fields:
            for text in (field or "", spec or ""):
                for name in re.split(r"[.\[\]{}]", text):
                    if name.startswith("_") or name in _ESCAPE_ATTRS:
                        self.check_attr_name(name, node, "format field")
                        if name.startswith("__") and name not in _STRICT_ALLOWED_DUNDERS:
                            self.add(STRICT_ONLY, "dunder-access", "format field " + name, node=node)


def _iter_nodes(tree):
    """All nodes, parents before children, in source order; iterative so deep trees cannot overflow the stack."""
    out = []
    stack = [tree]
    node_type = ast.AST
    skip = _SKIP_FIELDS
    while stack:
        node = stack.pop()
        out.append(node)
        for name in reversed(node._fields):
            if name in skip:
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, node_type):
                        stack.append(item)
            elif isinstance(value, node_type):
                stack.append(value)
    return out


_SKIP_FIELDS = frozenset(("ctx", "op", "type_ignores"))


_INERT_NODES = frozenset((ast.Expr, ast.arguments, ast.arg, ast.keyword, ast.comprehension, ast.BinOp, ast.Compare,
                          ast.BoolOp, ast.UnaryOp, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.If, ast.For,
                          ast.While, ast.Return, ast.FunctionDef, ast.ClassDef, ast.Module, ast.ListComp,
                          ast.GeneratorExp, ast.DictComp, ast.SetComp, ast.Lambda, ast.IfExp, ast.Starred,
                          ast.FormattedValue, ast.JoinedStr, ast.With, ast.withitem, ast.Try, ast.ExceptHandler,
                          ast.AugAssign, ast.Pass, ast.Break, ast.Continue, ast.Slice))


def _subscript_index(node):
    return node.slice  # Python 3.9+: the index expression itself


def _size(value):
    if isinstance(value, (str, bytes, bytearray, tuple, list)):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 8
    return 1


def _safe_percent(template):
    i = 0
    while True:
        i = template.find("%", i)
        if i < 0:
            return True
        if i + 1 >= len(template) or template[i + 1] not in "srd%":
            return False
        i += 2


def _string_method(receiver, method, args, kwargs):
    if isinstance(receiver, (str, bytes)):
        if method == "join" and len(args) == 1 and isinstance(args[0], (tuple, list, str, bytes)):
            return receiver.join(args[0])
        if method == "format" and isinstance(receiver, str):
            parsed = list(string.Formatter().parse(receiver))
            if any(spec or conv or (field and not field.isdigit() and not field.isidentifier())
                   for _, field, spec, conv in parsed):
                return None
            return receiver.format(*args, **kwargs)
        if method in ("lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize", "swapcase",
                      "casefold", "removeprefix", "removesuffix") and len(args) <= 1 and not kwargs:
            return getattr(receiver, method)(*args)
        if method == "replace" and len(args) in (2, 3) and all(isinstance(a, type(receiver)) for a in args[:2]):
            if len(receiver) * max(1, len(args[1])) > MAX_FOLDED_LEN * 4:
                return None
            return receiver.replace(*args)
        if method == "decode" and isinstance(receiver, bytes):
            return receiver.decode(*args, **kwargs)
        if method == "encode" and isinstance(receiver, str):
            return receiver.encode(*args, **kwargs)
        if method == "__add__" and len(args) == 1:
            return receiver + args[0]
    return None


_DECODERS = {
    "base64.b64decode": base64.b64decode, "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.b32decode": base64.b32decode, "base64.b16decode": base64.b16decode,
    "base64.a85decode": base64.a85decode, "base64.b85decode": base64.b85decode,
    "binascii.unhexlify": binascii.unhexlify, "binascii.a2b_hex": binascii.a2b_hex,
    "binascii.a2b_base64": binascii.a2b_base64, "builtins.bytes.fromhex": bytes.fromhex,
}


def _pure_function(qualified, args, kwargs):
    if qualified in _DECODERS and len(args) == 1 and not kwargs:
        return _DECODERS[qualified](args[0])
    if qualified == "codecs.decode" and len(args) == 2 and args[1] in ("rot13", "rot_13", "hex", "base64", "utf-8",
                                                                         "utf8", "latin-1", "ascii"):
        return codecs.decode(args[0], args[1])
    if qualified == "builtins.chr" and len(args) == 1 and isinstance(args[0], int):
        return chr(args[0])
    if qualified == "builtins.str" and len(args) == 1 and isinstance(args[0], (str, int)):
        return str(args[0])
    if qualified == "builtins.str" and len(args) in (2, 3) and isinstance(args[0], bytes):
        return str(*args)
    if qualified in ("builtins.bytes", "builtins.bytearray") and args and len(args) <= 3 and not kwargs:
        if isinstance(args[0], int):
            return None  # bytes(n) allocates n bytes
        return bytes(*args)
    if qualified in ("builtins.list", "builtins.tuple") and len(args) == 1 and isinstance(args[0], (str, bytes,
                                                                                                   tuple, list)):
        return tuple(args[0])
    if qualified == "builtins.reversed" and len(args) == 1 and isinstance(args[0], (str, bytes, tuple, list)):
        return tuple(reversed(args[0]))
    if qualified == "builtins.map" and len(args) == 2 and isinstance(args[1], (tuple, list, str, bytes)):
        return None
    return None


def _outside_work_dir(path):
    if not isinstance(path, str):
        return False
    normalized = path.replace("\\", "/")
    if normalized in _ALLOWED_ABSOLUTE:
        return False
    return normalized.startswith(("/", "~")) or ".." in normalized.split("/")


def _display(qualified):
    return qualified[len("builtins."):] if qualified.startswith("builtins.") else qualified


def _syntax_error(exc, code):
    line = getattr(exc, "lineno", None)
    message = getattr(exc, "msg", None) or str(exc)
    return {"type": type(exc).__name__, "message": message, "line": line}


def _line_of(code, index):
    return len(_LINE_SPLIT.split(code[:index])) if index >= 0 else 1


def _result(verdict, findings=(), syntax_error=None):
    return {"verdict": verdict, "findings": list(findings), "syntaxError": syntax_error}


def _unanalyzable(message, policy):
    return _result("reject", [{"ruleId": "unanalyzable-code", "message": message, "line": 1, "column": 1,
                               "blocking": True}])


def analyze(code, policy=DEFAULT_POLICY):
    """Analyses `code` under `policy`; returns {"verdict", "findings", "syntaxError"} (see the module doc)."""
    if policy not in POLICIES:
        raise ValueError("unknown policy: %r" % (policy,))
    if not isinstance(code, str):
        raise TypeError("code must be a str")
    if len(code) > MAX_CODE_CHARS:
        return _unanalyzable("code of %d characters is larger than the analyser accepts (%d)"
                             % (len(code), MAX_CODE_CHARS), policy)
    nul = code.find("\0")
    if nul >= 0:
        return _result("syntax_error", syntax_error={
            "type": "SyntaxError", "message": "source code cannot contain null bytes", "line": _line_of(code, nul)})
    # A file starting with a UTF-8 byte order mark runs as if the mark were absent.
    source = code[1:] if code.startswith("\ufeff") else code
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as e:
        return _result("syntax_error", syntax_error={
            "type": "SyntaxError", "message": "source code is not valid Unicode (lone surrogate)",
            "line": _line_of(source, e.start)})
    collecting = gc.isenabled()
    gc.disable()  # an AST holds no reference cycles; collection passes only slow big inputs down
    try:
        return _analyze_source(source, policy)
    finally:
        if collecting:
            gc.enable()


def _analyze_source(source, policy):
    try:
        tree = ast.parse(source, "<code>", "exec")
    except SyntaxError as e:  # includes IndentationError and TabError
        return _result("syntax_error", syntax_error=_syntax_error(e, source))
    except ValueError as e:
        return _result("syntax_error", syntax_error={"type": "SyntaxError", "message": str(e), "line": None})
    except (RecursionError, MemoryError) as e:
        return _unanalyzable("code is nested too deeply to analyse (%s)" % type(e).__name__, policy)
    try:
        analysis = _Analysis(source, policy)
        findings = analysis.run(tree)
    except (RecursionError, MemoryError) as e:
        return _unanalyzable("code is too complex to analyse (%s)" % type(e).__name__, policy)
    finally:
        del tree
    verdict = "reject" if any(f["blocking"] for f in findings) else "allow"
    return _result(verdict, findings)


# --- server ------------------------------------------------------------------------------------------------------

def _answer(line):
    request_id = None
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError("request is not an object")
        request_id = request.get("id")
        code = request.get("code")
        policy = request.get("policy") or DEFAULT_POLICY
        if not isinstance(code, str) or policy not in POLICIES:
            raise ValueError("request needs a string code and a known policy")
    except (ValueError, RecursionError, MemoryError) as e:
        return {"id": request_id, "error": "bad request: %s" % type(e).__name__}
    try:
        result = analyze(code, policy)
    except (RecursionError, MemoryError) as e:
        result = _unanalyzable("analysis failed (%s)" % type(e).__name__, policy)
    except Exception as e:  # a bug in the analyser must not let the code through, nor stop the server
        result = _unanalyzable("analysis failed (%s)" % type(e).__name__, policy)
    result["id"] = request_id
    return result


def serve(stdin, stdout):
    while True:
        line = stdin.readline()
        if not line:
            return
        if not line.strip():
            continue
        try:
            answer = _answer(line.decode("utf-8", "replace") if isinstance(line, bytes) else line)
            out = json.dumps(answer, ensure_ascii=True, separators=(",", ":"))
        except Exception as e:  # noqa: BLE001 - keep serving whatever happens
            out = json.dumps({"id": None, "error": "internal error: %s" % type(e).__name__})
        stdout.write(out.encode("ascii") + b"\n")
        stdout.flush()


def _main(argv):
    if argv[1:] != ["--serve"]:
        sys.stderr.write("usage: code_analyzer.py --serve\n")
        return 2
    import threading
    gc.disable()  # ASTs hold no reference cycles; collection passes would only slow parsing of big inputs
    # Deep (but legal) expressions need recursion in the parser's tree conversion: give it room on a big stack.
    sys.setrecursionlimit(20000)
    threading.stack_size(64 * 1024 * 1024)
    worker = threading.Thread(target=serve, args=(sys.stdin.buffer, sys.stdout.buffer), name="analyzer")
    worker.start()
    worker.join()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
