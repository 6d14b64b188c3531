using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ServiceDelivery.Persistence;

/// <summary>
/// No savepoint around EF's saves inside a transaction. A failed write rolls the whole transaction back (every
/// writer here does that), so the savepoint was two round trips for nothing. And EF sends savepoint statements on the
/// command Npgsql recycles per connection, where <see cref="FreshCommands"/> cannot reach: after a connection dropped
/// while one was being prepared, the next save threw a NullReferenceException (ConnectionRecoveryTests).
/// </summary>
public sealed class NoSavepoints : DbTransactionInterceptor
{
    public static readonly NoSavepoints Instance = new();

    private NoSavepoints()
    {
    }

    public override InterceptionResult CreatingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) => InterceptionResult.Suppress();

    public override ValueTask<InterceptionResult> CreatingSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult.Suppress());

    public override InterceptionResult ReleasingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) => InterceptionResult.Suppress();

    public override ValueTask<InterceptionResult> ReleasingSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult.Suppress());

    public override InterceptionResult RollingBackToSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) => InterceptionResult.Suppress();

    public override ValueTask<InterceptionResult> RollingBackToSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult.Suppress());
}
