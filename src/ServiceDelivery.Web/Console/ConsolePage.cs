using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Web.Console;

/// <summary>
/// What every console page shares: the signed-in caller, a DI scope per load (a circuit lives long, a DbContext
/// should not), and live reloads when deliveries change on any host (coalesced: a burst is one reload).
/// </summary>
public abstract class ConsolePage : ComponentBase, IDisposable
{
    private int _reloadPending;
    private bool _disposed;

    [Inject]
    protected IServiceScopeFactory Scopes { get; set; } = default!;

    [Inject]
    protected ICommitFeed Feed { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    protected Caller Caller { get; private set; } = default!;

    /// <summary>Why the last live refresh failed (the page then says it may be out of date), or null.</summary>
    protected string? LiveError { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        Caller = AuthenticationState is null ? throw new InvalidOperationException("No signed-in user.") : (await AuthenticationState).User.ToCaller();
        Feed.DeliveriesChanged += OnDeliveriesChanged;
    }

    /// <summary>Loads on the first render and whenever the route or query changes.</summary>
    protected override Task OnParametersSetAsync()
    {
        LiveError = null;
        return LoadAsync();
    }

    /// <summary>
    /// The value of a query; when the query was refused, nothing — and the page says why (through its navigation's
    /// notice) instead of showing an empty list as if there were nothing.
    /// </summary>
    protected T? Read<T>(Result<T> result)
    {
        if (result.Failure is { } failure)
        {
            LiveError = Messages.Title(failure.Code, UiText.Culture) + " (" + failure.Code + ")";
            return default;
        }

        return result.Value;
    }

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync();

    /// <summary>What a live change re-reads: by default everything, a page with a form being edited keeps the form.</summary>
    protected virtual Task RefreshAsync() => LoadAsync();

    /// <summary>How long a reload waits for more changes: a burst of commits costs one reload.</summary>
    protected virtual TimeSpan Coalesce => TimeSpan.FromMilliseconds(300);

    /// <summary>Whether a change of these deliveries (empty: possibly all) concerns the page.</summary>
    protected virtual bool Concerns(IReadOnlyList<Guid> deliveries) => true;

    /// <summary>Runs <paramref name="work"/> with services of a fresh scope.</summary>
    protected async Task<T> WithAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var scope = Scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private void OnDeliveriesChanged(IReadOnlyList<Guid> deliveries)
    {
        if (_disposed || !Concerns(deliveries) || Interlocked.Exchange(ref _reloadPending, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(Coalesce);
            Interlocked.Exchange(ref _reloadPending, 0);
            if (_disposed)
            {
                return;
            }

            try
            {
                await InvokeAsync(async () =>
                {
                    LiveError = null;
                    await RefreshAsync();
                    StateHasChanged();
                });
            }
            catch (ObjectDisposedException)
            {
                // The circuit went away meanwhile.
            }
#pragma warning disable CA1031 // A failed refresh is shown on the page, not lost in a background task.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LiveError = ex.Message;
                try
                {
                    await InvokeAsync(StateHasChanged);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        });
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        _disposed = true;
        Feed.DeliveriesChanged -= OnDeliveriesChanged;
    }
}
