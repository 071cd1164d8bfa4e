package dev.interactionsandbox.lambda;

import dev.interactionsandbox.aws.PoolTask;
import dev.interactionsandbox.aws.PoolTaskDiscovery;

import java.util.ArrayList;
import java.util.List;

/** A pool whose tasks are given (local runner processes), for the hand-over; discovery is tested on its own. */
final class FixedPoolTasks implements PoolTaskDiscovery {
    private final List<PoolTask> tasks;
    final List<PoolTask> claimed = new ArrayList<>();

    FixedPoolTasks(PoolTask... tasks) {
        this.tasks = List.of(tasks);
    }

    @Override
    public List<PoolTask> available() {
        return tasks.stream().filter(t -> !claimed.contains(t)).toList();
    }

    @Override
    public void claimed(PoolTask task) {
        claimed.add(task);
    }
}
