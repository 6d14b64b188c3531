using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Persistence;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Concurrent writers never lose an update, repeats never act twice, failures leave no trace.</summary>
public sealed class ConcurrencyTests : IAsyncLifetime
{
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Twenty_parallel_attempts_of_the_same_action_succeed_exactly_once()
    {
        var delivery = await _app.AtAsync("requirement_confirming");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => _app.TryActAsync(Provider, delivery.Id, "confirm_requirement"))));

        results.Count(r => r.IsSuccess).Should().Be(1);
        results.Where(r => !r.IsSuccess).Select(r => r.Failure!.Code).Should().OnlyContain(code => code == "version_conflict" || code == "invalid_transition");
        await using var db = _app.Db();
        (await db.ProcessLog.CountAsync(l => l.DeliveryId == delivery.Id && l.Action == "confirm_requirement")).Should().Be(1);
        (await db.Tasks.CountAsync(t => t.DeliveryId == delivery.Id && t.ClosedAt == null)).Should().Be(1);
        (await db.Outbox.CountAsync(o => o.DeliveryId == delivery.Id && o.Topic == "requirement_confirmed")).Should().Be(1);
        var stored = await db.Deliveries.SingleAsync(d => d.Id == delivery.Id);
        stored.Version.Should().Be(delivery.Version + 1);
        stored.LastLogSeq.Should().Be(3);
    }

    [Fact]
    public async Task Parallel_updates_that_all_could_apply_never_lose_one()
    {
        var delivery = await _app.AtAsync("implementing");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            _app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = $"进度 {i}" }))));

        // Writers of one delivery queue on its row lock, so each one sees the one before: all twenty apply.
        results.Should().OnlyContain(r => r.IsSuccess);
        results.Select(r => r.Value!.Version).Should().OnlyHaveUniqueItems("each update saw its own version");
        await using var db = _app.Db();
        var notes = await db.ProcessLog.Where(l => l.DeliveryId == delivery.Id && l.Action == "post_progress").OrderBy(l => l.Seq).ToListAsync();
        notes.Select(n => n.Data["note"]).Should().BeEquivalentTo(Enumerable.Range(0, 20).Select(i => $"进度 {i}"), "no update is lost");
        notes.Select(n => n.Seq).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        (await db.Deliveries.SingleAsync(d => d.Id == delivery.Id)).Version.Should().Be(delivery.Version + 20);
    }

    [Fact]
    public async Task Twenty_deliveries_progress_in_parallel_without_blocking_each_other()
    {
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _app.AtAsync("requirement_confirming")));

        var results = await Task.WhenAll(deliveries.Select(d => Task.Run(() => _app.TryActAsync(Provider, d.Id, "confirm_requirement"))));

        results.Should().OnlyContain(r => r.IsSuccess && r.Value!.Stage == "implementing");
    }

    [Fact]
    public async Task A_delivery_held_by_a_long_writer_blocks_only_itself()
    {
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _app.AtAsync("requirement_confirming")));
        var held = deliveries[0];

        // Another writer holds the first delivery's row lock (as a slow transaction would).
        await using var holder = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM deliveries WHERE id = @id FOR UPDATE", holder, hold))
        {
            lockRow.Parameters.AddWithValue("id", held.Id);
            await lockRow.ExecuteScalarAsync();
        }

        var waiting = Task.Run(() => _app.TryActAsync(Provider, held.Id, "confirm_requirement"));
        var others = await Task.WhenAll(deliveries.Skip(1).Select(d => Task.Run(() => _app.TryActAsync(Provider, d.Id, "confirm_requirement"))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        others.Should().OnlyContain(r => r.IsSuccess && r.Value!.Stage == "implementing", "the other nineteen do not wait for the held one");
        waiting.IsCompleted.Should().BeFalse("the held delivery's writer queues on its row lock");

        await hold.CommitAsync();
        var released = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        released.Value!.Stage.Should().Be("implementing", "the queued writer goes on once the lock is released");
    }

    [Fact]
    public async Task A_stale_if_match_is_a_version_conflict_and_changes_nothing()
    {
        var delivery = await _app.AtAsync("requirement_confirming");

        var stale = await _app.TryActAsync(Provider, delivery.Id, "confirm_requirement", expectedVersion: delivery.Version - 1);
        var current = await _app.TryActAsync(Provider, delivery.Id, "confirm_requirement", expectedVersion: delivery.Version);

        stale.Failure!.Code.Should().Be("version_conflict");
        current.Value!.Stage.Should().Be("implementing");
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_acts_once_and_answers_the_same()
    {
        var delivery = await _app.AtAsync("implementing");
        var note = new Dictionary<string, string> { ["note"] = "完成 50%" };

        var first = await _app.TryActAsync(Provider, delivery.Id, "post_progress", note, idempotencyKey: "key-1");
        var second = await _app.TryActAsync(Provider, delivery.Id, "post_progress", note, idempotencyKey: "key-1");
        var otherBody = await _app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = "完成 60%" }, idempotencyKey: "key-1");

        second.Value.Should().BeEquivalentTo(first.Value);
        otherBody.Failure!.Code.Should().Be("idempotency_key_reused");
        await using var db = _app.Db();
        (await db.ProcessLog.CountAsync(l => l.DeliveryId == delivery.Id && l.Action == "post_progress")).Should().Be(1);
    }

    [Fact]
    public async Task Parallel_requests_with_one_idempotency_key_act_once()
    {
        var delivery = await _app.AtAsync("implementing");

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
            _app.TryActAsync(Provider, delivery.Id, "post_progress", idempotencyKey: "same-key"))));

        await using var db = _app.Db();
        (await db.ProcessLog.CountAsync(l => l.DeliveryId == delivery.Id && l.Action == "post_progress")).Should().Be(1);
        results.Should().OnlyContain(r => r.IsSuccess, "a request that loses the race to its twin replays the twin's result");
        results.Select(r => r.Value!.Version).Distinct().Should().ContainSingle("every answer is the one effect");
    }

    [Fact]
    public async Task A_twin_that_waited_for_the_first_requests_lock_replays_its_answer()
    {
        // The first commit is held back, so the twin surely waits on the row lock while the first one writes.
        var slowCommit = new SlowFirstCommit();
        await using var app = await AppHarness.CreateAsync(services =>
            services.ConfigureDbContext<ServiceDeliveryDbContext>(options => options.AddInterceptors(slowCommit)));
        var delivery = await app.AtAsync("implementing");
        slowCommit.Armed = true;

        var first = Task.Run(() => app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = "50%" }, idempotencyKey: "twin"));
        await slowCommit.Holding.Task;
        var twin = await app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = "50%" }, idempotencyKey: "twin");
        var answer = await first;

        answer.IsSuccess.Should().BeTrue();
        twin.IsSuccess.Should().BeTrue("after the lock the twin must read what the first committed, its key included, and replay it");
        twin.Value!.Version.Should().Be(answer.Value!.Version);
        await using var db = app.Db();
        (await db.ProcessLog.CountAsync(l => l.DeliveryId == delivery.Id && l.Action == "post_progress")).Should().Be(1);
    }

    /// <summary>Delays the first commit after arming by half a second and says when it started holding.</summary>
    private sealed class SlowFirstCommit : DbTransactionInterceptor
    {
        public volatile bool Armed;

        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (Armed)
            {
                Armed = false;
                Holding.TrySetResult();
                await Task.Delay(500, cancellationToken);
            }

            return result;
        }
    }

    [Fact]
    public async Task Idempotency_keys_of_different_callers_do_not_collide()
    {
        var mine = await _app.AtAsync("requirement_pending");
        var other = await _app.AtAsync("requirement_pending");

        (await _app.TryActAsync(Buyer, mine.Id, "submit_requirement", idempotencyKey: "k")).IsSuccess.Should().BeTrue();
        var second = await _app.TryActAsync(Buyer, other.Id, "submit_requirement", idempotencyKey: "k");

        second.Value!.Id.Should().Be(other.Id, "the key is scoped to the delivery it was used on");
    }

    [Fact]
    public async Task A_failure_after_the_first_write_of_a_command_leaves_no_trace()
    {
        await using var failing = await AppHarness.CreateAsync(services =>
            services.ConfigureDbContext<ServiceDeliveryDbContext>(options => options
                .UseNpgsql(npgsql => npgsql.MaxBatchSize(1)) // one statement per round trip, so "after the first write" is exact
                .AddInterceptors(new FailAfterFirstWrite())));
        var delivery = await failing.StartAsync("ORD-ATOMIC");
        FailAfterFirstWrite.Armed = true;

        var act = () => failing.TryActAsync(Buyer, delivery.Id, "submit_requirement");

        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("injected failure");
        FailAfterFirstWrite.Armed = false;
        FailAfterFirstWrite.FiredAfter.Should().MatchRegex(@"^\s*(INSERT|UPDATE|DELETE)\b", "the fault must come after a statement that changed data, not after the row lock");
        FailAfterFirstWrite.RowsWritten.Should().BeGreaterThan(0, "the statement before the fault really changed a row");
        await using var db = failing.Db();
        var stored = await db.Deliveries.SingleAsync(d => d.Id == delivery.Id);
        (stored.Stage, stored.Version, stored.LastLogSeq).Should().Be(("requirement_pending", 1, 1));
        (await db.ProcessLog.CountAsync(l => l.DeliveryId == delivery.Id)).Should().Be(1);
        (await db.Tasks.Where(t => t.DeliveryId == delivery.Id).Select(t => new { t.Stage, Open = t.ClosedAt == null }).ToListAsync())
            .Should().BeEquivalentTo([new { Stage = "requirement_pending", Open = true }]);
        (await db.Outbox.CountAsync(o => o.DeliveryId == delivery.Id)).Should().Be(2, "only the start's two notifications");
        (await failing.ActAsync(Buyer, delivery.Id, "submit_requirement")).Stage.Should().Be("requirement_confirming", "the same command succeeds once the fault is gone");
    }

    /// <summary>Throws right after the first data-changing statement of a command has run in the database.</summary>
    private sealed class FailAfterFirstWrite : DbCommandInterceptor
    {
        public static volatile bool Armed;
        public static string? FiredAfter;
        public static int RowsWritten;

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (Armed && IsWrite(command))
            {
                // Drain the statement so its affected-row count is known, then fail as the database moves on.
                while (await result.ReadAsync(cancellationToken)) { }
                Fire(command, result.RecordsAffected);
            }

            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            if (Armed && IsWrite(command))
                Fire(command, result);

            return base.NonQueryExecutedAsync(command, eventData, result, cancellationToken);
        }

        private static void Fire(DbCommand command, int rows)
        {
            Armed = false;
            FiredAfter = command.CommandText;
            RowsWritten = rows;
            throw new InvalidOperationException("injected failure after the first write");
        }

        // A data-changing statement starts with its verb; "SELECT … FOR UPDATE" (the row lock) does not.
        private static bool IsWrite(DbCommand command) =>
            System.Text.RegularExpressions.Regex.IsMatch(command.CommandText, @"^\s*(INSERT|UPDATE|DELETE)\b");
    }
}
