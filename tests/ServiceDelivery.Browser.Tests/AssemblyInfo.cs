// One host, one browser at a time: several host processes and Chromiums at once on a small machine make
// interactive pages slow enough to turn timing into failures.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
