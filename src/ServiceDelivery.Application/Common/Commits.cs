using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace ServiceDelivery.Application.Common;

/// <summary>
/// How every write ends, the delivery writer's and the others' (definitions, notification retries, saved filters,
/// migration batches, uploads): save or commit without the request's cancellation — a client that goes away while
/// the commit is under way must not leave the caller unsure whether it happened — then tell the rest of the system
/// (<see cref="ICommitSignal"/>). After the commit nothing throws: the write is durable, and a hint that fails is made
/// up by the sweeps.
/// </summary>
public sealed partial class Commits(ICommitSignal signal, ILogger<Commits> logger)
{
    /// <summary>Saves what <paramref name="db"/> tracks in one implicit transaction, then signals <paramref name="notice"/>.</summary>
    public async Task SaveAsync(DbContext db, CommitNotice? notice = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.SaveChangesAsync(CancellationToken.None);
        Signal(notice);
    }

    /// <summary>Commits <paramref name="transaction"/>, then signals <paramref name="notice"/>.</summary>
    public async Task CommitAsync(IDbContextTransaction transaction, CommitNotice? notice = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.CommitAsync(CancellationToken.None);
        Signal(notice);
    }

    /// <summary>Tells the rest of the system about a committed write (a set-based statement's, say); never throws.</summary>
    public void Signal(CommitNotice? notice)
    {
        if (notice is null)
        {
            return;
        }

        try
        {
            signal.Committed(notice);
        }
#pragma warning disable CA1031 // After the commit nothing may turn the write into an error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSignalFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A committed write could not signal the senders, firers and pages; their sweeps will find it")]
    private static partial void LogSignalFailed(ILogger logger, Exception exception);
}
