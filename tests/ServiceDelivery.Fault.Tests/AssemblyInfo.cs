// One scenario at a time: each runs several host processes flat out on a small machine, and a scenario's figures
// (timers within a minute of due) mean something only when it has the machine to itself.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
