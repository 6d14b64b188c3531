using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Infrastructure;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// The write path: one owner commits every change to a delivery and tells the rest of the system once per commit;
/// the senders and the timer firer claim their rows in batches.
/// </summary>
public sealed partial class WritePathTests : IAsyncLifetime
{
    private readonly RecordingSignal _signal = new();
    private readonly StatementCounter _statements = new();
    private TestSmtpServer _smtp = null!;
    private AppHarness _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = TestSmtpServer.Start();
        _app = await AppHarness.CreateAsync(services =>
        {
            services.AddSingleton<ICommitSignal>(_signal);
            services.AddServiceDeliveryNotifications(new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port }, NotificationTests.TemplatesRoot);
            services.ConfigureDbContext<ServiceDeliveryDbContext>(options => options.AddInterceptors(_statements));
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Commands_beyond_the_hosts_limit_wait_for_a_turn_and_then_all_succeed()
    {
        await using var app = await AppHarness.CreateAsync(services => services.AddSingleton(new DeliveryOptions { MaxConcurrentCommands = 2 }));
        var busy = await app.AtAsync("implementing");
        var other = await app.AtAsync("implementing");
        var note = new Dictionary<string, string> { ["note"] = "进度" };

        // Someone else holds the busy delivery's row: two commands on it take both turns and wait for the row.
        await using var db = app.Db();
        var holder = await HoldRowAsync(db, busy.Id);
        var waiting = Enumerable.Range(0, 2).Select(_ => Task.Run(() => app.TryActAsync(Provider, busy.Id, "post_progress", note))).ToList();
        await Task.Delay(500);

        var queued = Task.Run(() => app.TryActAsync(Provider, other.Id, "post_progress", note));
        (await Task.WhenAny(queued, Task.Delay(1500))).Should().NotBeSameAs(queued, "a third command, on another delivery, waits for a turn");

        await holder.RollbackAsync();
        (await queued).IsSuccess.Should().BeTrue("its turn came once one of the two was done");
        (await Task.WhenAll(waiting)).Should().OnlyContain(r => r.IsSuccess, "the two waited for the row, then went one after the other");
        await holder.DisposeAsync();
    }

    [Fact]
    public async Task A_command_that_gets_no_turn_in_time_is_refused_as_busy_and_changes_nothing()
    {
        await using var app = await AppHarness.CreateAsync(services =>
            services.AddSingleton(new DeliveryOptions { MaxConcurrentCommands = 1, CommandTurnTimeout = TimeSpan.FromMilliseconds(300) }));
        var busy = await app.AtAsync("implementing");
        var other = await app.AtAsync("implementing");
        var note = new Dictionary<string, string> { ["note"] = "进度" };

        await using var db = app.Db();
        var holder = await HoldRowAsync(db, busy.Id);
        var waiting = Task.Run(() => app.TryActAsync(Provider, busy.Id, "post_progress", note));
        await Task.Delay(300);

        var refused = await app.TryActAsync(Provider, other.Id, "post_progress", note);

        refused.Failure!.Code.Should().Be(Failure.BusyCode);
        await holder.RollbackAsync();
        await holder.DisposeAsync();
        (await waiting).IsSuccess.Should().BeTrue("the command that had the turn went on once the row was free");
        await using var check = app.Db();
        (await check.Deliveries.SingleAsync(d => d.Id == other.Id)).Version.Should().Be(other.Version, "the refused command wrote nothing");
    }

    /// <summary>Locks a delivery's row the way another writer would, until the returned transaction ends.</summary>
    private static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> HoldRowAsync(ServiceDeliveryDbContext db, Guid deliveryId)
    {
        var holder = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM deliveries WHERE id = {deliveryId} FOR UPDATE");
        return holder;
    }

    [Fact]
    public async Task Every_kind_of_change_commits_through_the_writer_and_signals_once_with_what_it_wrote()
    {
        // Start: the delivery and its first mails.
        var delivery = await _app.StartAsync("ORD-SIGNAL");
        _signal.Single(delivery.Id).Outbox.Should().BeTrue("the start mails the parties");

        // An action.
        await _app.ActAsync(Buyer, delivery.Id, "submit_requirement");
        await _app.ActAsync(Provider, delivery.Id, "confirm_requirement");
        _signal.Clear();
        await _app.ActAsync(Provider, delivery.Id, "submit_for_acceptance");
        var submitted = _signal.Single(delivery.Id);
        submitted.EarliestTimer.Should().Be(T0 + TimeSpan.FromDays(12), "the 3-day reminder of the 15-day auto-acceptance is the earliest timer it started");

        // A ticket opened (an acceptance dispute freezes the clock), answered and resolved.
        var ticket = (await _app.OpenTicketAsync(Buyer, delivery.Id, TicketCategories.AcceptanceDispute)).Unwrap();
        _signal.Single(delivery.Id).Outbox.Should().BeTrue();
        await _app.InScope(sp => sp.GetRequiredService<TicketCommands>().PostMessageAsync(Provider, ticket.Id, new PostTicketMessageRequest("已补充交付物", []), CancellationToken.None));
        _signal.Single(delivery.Id);
        (await _app.ResolveTicketAsync(ticket.Id, TicketOutcomes.NoChange)).IsSuccess.Should().BeTrue();
        _signal.Single(delivery.Id).EarliestTimer.Should().NotBeNull("the resumed clock is due again");

        // The invoice status, an intervention and a migration.
        (await _app.SetInvoiceAsync(delivery.Id, "requested")).IsSuccess.Should().BeTrue();
        _signal.Single(delivery.Id);
        (await _app.InterveneAsync(new InterveneRequest(delivery.Id, "move", "implementing", "买家要求补充功能"))).IsSuccess.Should().BeTrue();
        _signal.Single(delivery.Id);
        await PublishShippedDefinitionAgainAsync(2);
        (await _app.InScope(sp => sp.GetRequiredService<DeliveryCommands>().MigrateAsync(Platform, delivery.Id, 2, "新版流程", null, CancellationToken.None))).IsSuccess.Should().BeTrue();
        _signal.Single(delivery.Id);

        // A timer firing.
        var accepting = await _app.AtAsync("accepting");
        _signal.Clear();
        await _app.AdvanceAsync(TimeSpan.FromDays(15));
        _signal.Notices.Should().ContainSingle(n => n.Deliveries.Contains(accepting.Id)).Which.Outbox.Should().BeTrue("auto-acceptance mails both parties");
    }

    [Fact]
    public async Task A_refused_change_commits_nothing_and_signals_nothing()
    {
        var delivery = await _app.StartAsync();
        _signal.Clear();

        var refused = await _app.TryActAsync(Provider, delivery.Id, "confirm_requirement");

        refused.Failure!.Code.Should().Be("invalid_transition");
        _signal.Notices.Should().BeEmpty();
    }

    [Fact]
    public async Task A_change_the_signal_throws_on_is_still_committed_and_answered()
    {
        var delivery = await _app.StartAsync();
        _signal.ThrowNext = true;

        var result = await _app.TryActAsync(Buyer, delivery.Id, "submit_requirement");

        result.IsSuccess.Should().BeTrue("a hint after the commit must never turn the committed change into an error");
        _signal.Thrown.Should().Be(1);
        await using var db = _app.Db();
        (await db.Deliveries.SingleAsync(d => d.Id == delivery.Id)).Stage.Should().Be("requirement_confirming");
        (await db.Outbox.CountAsync(o => o.DeliveryId == delivery.Id && o.Topic == "requirement_submitted" && o.Status == OutboxRecord.Statuses.Pending))
            .Should().Be(1, "the mail waits for the sweep");
    }

    [Fact]
    public async Task Due_timers_are_claimed_in_batches_not_one_query_each()
    {
        const int Count = 450;
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            await _app.AtAsync("accepting"));
        _app.Clock.Advance(TimeSpan.FromDays(12) + TimeSpan.FromSeconds(1));
        _statements.Reset();

        var firer = _app.Services.GetRequiredService<TimerFirer>();
        var backlog = _app.Services.GetRequiredService<TimerBacklog>();

        var fired = await firer.FireDueAsync(TimerFirer.BatchSize, CancellationToken.None);
        backlog.Behind.Should().BeTrue("a full batch: more are due, and this host's senders hold back meanwhile");
        fired += await firer.FireDueAsync(int.MaxValue, CancellationToken.None);
        backlog.Behind.Should().BeFalse("the last claim came up short: the firer caught up");

        fired.Should().Be(Count, "each delivery's 3-day reminder is due");
        _statements.Count("SKIP LOCKED").Should().BeLessThanOrEqualTo(Count / TimerFirer.BatchSize + 2, "one claim (and one transaction) per batch of up to 200, plus the one that finds none");
        (_statements.Occurrences("UPDATE deliveries") + _statements.Occurrences("UPDATE \"deliveries\"")).Should().Be(Count / TimerFirer.BatchSize + 1, "each batch writes its deliveries in one statement, not one per row");
        (_statements.Occurrences("INSERT INTO outbox") + _statements.Occurrences("INSERT INTO \"outbox\"")).Should().Be(Count / TimerFirer.BatchSize + 1, "and the reminders' mails in another");
    }

    [Fact]
    public async Task Due_mail_is_claimed_in_batches_and_each_row_sent_once_by_competing_senders()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 150), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, _) => await _app.StartAsync());

        var due = 150 * 2;
        _statements.Reset();
        var dispatcher = _app.Services.GetRequiredService<OutboxDispatcher>();

        var sent = await Task.WhenAll(
            Task.Run(() => dispatcher.DispatchDueAsync(int.MaxValue, CancellationToken.None)),
            Task.Run(() => dispatcher.DispatchDueAsync(int.MaxValue, CancellationToken.None)));

        sent.Sum().Should().Be(due);
        _statements.Count("SET status = 'sending'").Should().BeLessThanOrEqualTo(due / 200 + 4, "a claim takes up to a batch; each sender ends with one empty claim");
        await using var db = _app.Db();
        (await db.Outbox.Where(o => o.Kind == OutboxWriter.Email).GroupBy(o => o.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync())
            .Should().BeEquivalentTo([new { Key = OutboxRecord.Statuses.Sent, Count = due }]);
        (await db.Outbox.CountAsync(o => o.Attempts != 1)).Should().Be(0, "no row was taken twice");
        _smtp.Messages.Select(m => m.MessageId).Should().OnlyHaveUniqueItems().And.HaveCount(due, "the SMTP server got each mail once");
    }

    [Fact]
    public async Task A_step_that_keeps_the_stage_updates_the_delivery_row_in_place()
    {
        // A HOT update writes no index entry. It needs room on the row's page and no index on a column the write
        // changes: every write changes updated_at, version and last_log_seq.
        await using var db = _app.Db();
        var indexed = await db.Database.SqlQueryRaw<string>("""
            SELECT a.attname AS "Value" FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = 'deliveries'::regclass
            """).ToListAsync();
        indexed.Should().Contain("updated_on").And.NotContain(["updated_at", "version", "last_log_seq"]);

        var delivery = await _app.AtAsync("implementing");
        var before = await HotUpdatesAsync(db);
        for (var i = 0; i < 10; i++)
        {
            _app.Clock.Advance(TimeSpan.FromMinutes(1)); // each write at its own instant, within one day
            (await _app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = $"进度 {i}" })).IsSuccess.Should().BeTrue();
        }

        // A backend publishes its counts when it idles (a second or more after its last statement).
        var hot = 0L;
        for (var waited = 0; waited < 200 && hot < 10; waited++)
        {
            await Task.Delay(100);
            hot = await HotUpdatesAsync(db) - before;
        }

        hot.Should().BeGreaterThanOrEqualTo(10, "post_progress changes no indexed column of its delivery");

        static Task<long> HotUpdatesAsync(ServiceDeliveryDbContext db) =>
            db.Database.SqlQueryRaw<long>("SELECT n_tup_hot_upd AS \"Value\" FROM pg_stat_user_tables WHERE relname = 'deliveries'").SingleAsync();
    }

    [Fact]
    public void Only_the_delivery_writer_opens_a_transaction_and_only_known_places_save()
    {
        var sources = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

        sources.Where(s => s.Value.Contains("BeginTransaction", StringComparison.Ordinal)).Select(s => s.Key)
            .Should().BeEquivalentTo(["DeliveryWriter.cs", "AttachmentCommands.cs", "OutboxDispatcher.cs", "LogAnchoring.cs"],
                "every change to a delivery goes through the one owner of the write path (an upload's row and bytes are not a delivery, nor are the outbox's claims, nor is an anchor with its leaves)");
        sources.Where(s => s.Value.Contains("SaveChanges", StringComparison.Ordinal)).Select(s => s.Key)
            .Should().BeEquivalentTo(
                ["SetBasedSave.cs", "Commits.cs", "DefinitionImporter.cs", "AttachmentCommands.cs", "PageSessionStore.cs"],
                "the writer saves through the set-based save, every other write through the one commit helper (Commits); the importer runs at start, an upload saves its row inside its own transaction, page sessions are not deliveries; anything else saving would bypass both");

        // Set-based statements and raw SQL bypass SaveChanges: none may write a delivery's rows outside the writer.
        var deliveryTables = DeliveryTableWrite();
        sources.Where(s => deliveryTables.IsMatch(s.Value)).Select(s => s.Key)
            .Should().BeEquivalentTo(["DeliveryWriter.cs", "Retention.cs"],
                "only the writer writes deliveries, timers, tasks and the process log (its set-based save names tables only through the model); retention deletes only timers that have ended");
        deliveryTables.IsMatch("await db.Timers.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, later));").Should().BeTrue("the check sees an ExecuteUpdate");
        deliveryTables.IsMatch("db.Database.ExecuteSqlAsync($\"UPDATE deliveries SET stage = 'x'\")").Should().BeTrue("the check sees raw SQL");
    }

    /// <summary>An ExecuteUpdate/ExecuteDelete on a delivery's sets, or SQL that writes a delivery's tables.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\b(Deliveries|Timers|Tasks|ProcessLog)\b[^;]*\.Execute(Update|Delete)|\b(UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+(deliveries|timers|tasks|process_log)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex DeliveryTableWrite();

    private async Task PublishShippedDefinitionAgainAsync(int version)
    {
        await using var db = _app.Db();
        var shipped = await db.DefinitionVersions.AsNoTracking().SingleAsync(d => d.Key == "manual-service-delivery" && d.Version == 1);
        db.DefinitionVersions.Add(new DefinitionVersionRecord { Key = shipped.Key, Version = version, Json = shipped.Json, PublishedAt = T0, PublishedBy = "test" });
        await db.SaveChangesAsync();
    }

    /// <summary>Keeps every notice; can throw once, as a broken wake-up would.</summary>
    private sealed class RecordingSignal : ICommitSignal
    {
        private readonly ConcurrentQueue<CommitNotice> _notices = new();

        public bool ThrowNext { get; set; }

        public int Thrown { get; private set; }

        public IReadOnlyList<CommitNotice> Notices => [.. _notices];

        public void Committed(CommitNotice notice)
        {
            _notices.Enqueue(notice);
            if (ThrowNext)
            {
                ThrowNext = false;
                Thrown++;
                throw new InvalidOperationException("wake-up failed");
            }
        }

        public void Clear() => _notices.Clear();

        /// <summary>The one notice since the last call, which must name the delivery; clears.</summary>
        public CommitNotice Single(Guid deliveryId)
        {
            var notices = Notices;
            Clear();
            notices.Should().ContainSingle("one commit, one notice");
            notices[0].Deliveries.Should().Equal([deliveryId]);
            return notices[0];
        }
    }

    /// <summary>Counts the statements sent, by a piece of their text.</summary>
    private sealed class StatementCounter : DbCommandInterceptor
    {
        private readonly ConcurrentQueue<string> _texts = new();

        public void Reset() => _texts.Clear();

        public int Count(string containing) => _texts.Count(t => t.Contains(containing, StringComparison.Ordinal));

        /// <summary>How many statements contain <paramref name="text"/>, counting each statement of a multi-statement command.</summary>
        public int Occurrences(string text) => _texts.Sum(t => (t.Length - t.Replace(text, string.Empty, StringComparison.Ordinal).Length) / text.Length);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            _texts.Enqueue(command.CommandText);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            _texts.Enqueue(command.CommandText);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
