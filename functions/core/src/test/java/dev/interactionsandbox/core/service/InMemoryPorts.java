package dev.interactionsandbox.core.service;

import dev.interactionsandbox.core.error.StoreException;
import dev.interactionsandbox.core.model.AuditEventType;
import dev.interactionsandbox.core.model.AuditRecord;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.model.SanitizerReport;
import dev.interactionsandbox.core.port.AuditLog;
import dev.interactionsandbox.core.port.CodeSanitizer;
import dev.interactionsandbox.core.port.ExecutionStore;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** In-memory fakes of the core's ports, for unit tests of the service's decisions. */
final class InMemoryPorts {
    private InMemoryPorts() {
    }

    static class Store implements ExecutionStore {
        final Map<String, ExecutionResult> items = new ConcurrentHashMap<>();
        final List<ExecutionResult> writes = Collections.synchronizedList(new ArrayList<>());
        boolean failing;
        int failNextUpdates;

        @Override
        public void create(ExecutionResult running) {
            fail();
            writes.add(running);
            items.putIfAbsent(running.executionId(), running);
        }

        @Override
        public void update(ExecutionResult result) {
            fail();
            if (failNextUpdates > 0) {
                failNextUpdates--;
                throw new StoreException("store throttled", null, true);
            }
            writes.add(result);
            items.compute(result.executionId(), (id, old) -> old != null && old.status().isFinal() ? old : result);
        }

        @Override
        public Optional<ExecutionResult> find(String executionId) {
            return Optional.ofNullable(items.get(executionId));
        }

        private void fail() {
            if (failing) {
                throw new StoreException("store down", null, true);
            }
        }
    }

    static class Audit implements AuditLog {
        final List<AuditRecord> records = Collections.synchronizedList(new ArrayList<>());
        AuditEventType failOn;

        @Override
        public void append(AuditRecord record) {
            if (record.event() == failOn) {
                throw new StoreException("audit down", null, true);
            }
            records.add(record);
        }

        List<AuditEventType> events() {
            synchronized (records) {
                return records.stream().map(AuditRecord::event).toList();
            }
        }
    }

    static class Sanitizer implements CodeSanitizer {
        SanitizerReport answer = new SanitizerReport(SanitizerReport.Verdict.ALLOW, List.of(), null);

        @Override
        public SanitizerReport analyze(String code, Policy policy) {
            return answer;
        }
    }

    static class FakeExecutor implements Executor {
        final ExecutionMode mode;
        final List<ExecutionJob> jobs = new ArrayList<>();
        Availability availability = Availability.AVAILABLE;
        Function<ExecutionJob, RunReport> behaviour;

        FakeExecutor(ExecutionMode mode, Function<ExecutionJob, RunReport> behaviour) {
            this.mode = mode;
            this.behaviour = behaviour;
        }

        @Override
        public ExecutionMode mode() {
            return mode;
        }

        @Override
        public Availability availability() {
            return availability;
        }

        @Override
        public RunReport run(ExecutionJob job) {
            jobs.add(job);
            return behaviour.apply(job);
        }
    }

    static final class Log implements OperationalLog {
        final List<String> lines = new ArrayList<>();

        @Override
        public void log(Level level, String executionId, String message, Map<String, ?> fields) {
            lines.add(level + " " + executionId + " " + message + " " + fields);
        }
    }
}
