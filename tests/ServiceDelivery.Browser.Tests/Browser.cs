using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download): <c>PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH</c> or
/// <c>/usr/bin/chromium</c>. Every test saves its screenshots under <c>TestResults/screenshots</c>.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public static string ScreenshotFolder
    {
        get
        {
            var folder = Path.Combine(ProjectFolder(), "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium not found at {executable}: install Debian's chromium (apt-get install chromium fonts-noto-cjk) or set PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH.");
        }

        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh browser context (own cookies) with a desktop-sized window and zh-CN as the browser's language.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 }, Locale = "zh-CN", TimezoneId = "Asia/Shanghai" });
        // CI runs the other test assemblies at the same time on two cores: give the pages time, not failures.
        context.SetDefaultTimeout(Timeout);
        context.Page += (_, page) => page.Console += (_, message) =>
        {
            // Whatever the Content-Security-Policy refuses (a script, a style, a worker) is a broken page.
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                Refusals.GetOrCreateValue(page).Add(message.Text);
            }
        };
        return context;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, System.Collections.Concurrent.ConcurrentBag<string>> Refusals = new();

    /// <summary>A new context signed in on the development page as the demo identity with <paramref name="role"/>.</summary>
    public async Task<IPage> SignedInAsync(HostProcess host, string role)
    {
        ArgumentNullException.ThrowIfNull(host);
        var page = await (await NewContextAsync()).NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/signin");
        await page.GetByTestId("signin-" + role).ClickAsync();
        await WaitForUrlAsync(page, new System.Text.RegularExpressions.Regex("^(?!.*/signin)"));
        return page;
    }

    /// <summary>
    /// Waits until the page's URL contains every one of <paramref name="parts"/> (in any order), e.g. the query a click
    /// navigated to. Not <c>WaitForURLAsync</c>: Playwright for .NET first checks the URL and only then subscribes to
    /// navigations, while navigations are delivered on its transport thread, so one that lands in between (a Blazor
    /// <c>NavigateTo</c> right after a click, on a loaded machine) is lost and it waits out its timeout with the page
    /// already there. Playwright's URL assertion polls the page's URL itself, so it cannot miss it.
    /// </summary>
    public static Task WaitForUrlAsync(IPage page, params string[] parts) =>
        WaitForUrlAsync(page, new System.Text.RegularExpressions.Regex("^" + string.Concat(parts.Select(p => $"(?=.*{System.Text.RegularExpressions.Regex.Escape(p)})"))));

    /// <summary>Waits until the page's URL matches <paramref name="url"/> (see the overload for why not <c>WaitForURLAsync</c>).</summary>
    public static Task WaitForUrlAsync(IPage page, System.Text.RegularExpressions.Regex url) =>
        Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = Timeout });

    /// <summary>How long a page may take to do what a test waits for (CI runs the other test assemblies at the same time on two cores).</summary>
    public const float Timeout = 60_000;

    /// <summary>Opens a definition in the Studio and waits until the page handles clicks.</summary>
    public static async Task OpenDefinitionAsync(IPage page, HostProcess host, string key)
    {
        ArgumentNullException.ThrowIfNull(host);
        await page.GotoAsync($"{host.BaseUrl}/studio/{key}");
        await page.Locator("[data-interactive=true]").WaitForAsync();
    }

    /// <summary>Publishes the shipped process as version 1 of <paramref name="key"/> and opens a new draft of it as a designer.</summary>
    public async Task<IPage> NewDraftAsync(HostProcess host, string key, int? width = null, int? height = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.PublishAsync(key, 1, HostProcess.ShippedAs(key));
        var page = await SignedInAsync(host, "designer");
        if (width is { } w && height is { } h)
        {
            await page.SetViewportSizeAsync(w, h);
        }

        await OpenDefinitionAsync(page, host, key);
        await page.GetByTestId("new-draft").ClickAsync();
        await page.GetByTestId("undo").WaitForAsync();
        return page;
    }

    /// <summary>Clicks a tab until its panel shows <paramref name="content"/> (a click during a render can be lost).</summary>
    public static Task OpenTabAsync(IPage page, string tab, ILocator content) =>
        OpenTabAsync(page, new PageGetByRoleOptions { Name = tab, Exact = true }, content);

    /// <summary>Clicks the tab whose name matches <paramref name="tab"/> (e.g. whatever its count) until its panel shows <paramref name="content"/>.</summary>
    public static Task OpenTabAsync(IPage page, System.Text.RegularExpressions.Regex tab, ILocator content) =>
        OpenTabAsync(page, new PageGetByRoleOptions { NameRegex = tab }, content);

    private static async Task OpenTabAsync(IPage page, PageGetByRoleOptions tab, ILocator content)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(content);
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByRole(AriaRole.Tab, tab).ClickAsync();
            try
            {
                await content.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 5000 });
                return;
            }
            catch (TimeoutException) when (attempt < 4)
            {
                // try again
            }
        }
    }

    private const string MonacoEditor = "window.blazorMonaco && window.blazorMonaco.editors.find(e => e.id === 'json-editor')";

    /// <summary>Opens the JSON tab and waits until its code editor is ready.</summary>
    public static async Task OpenJsonAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        await OpenTabAsync(page, "JSON", page.Locator("[data-testid=json-editor] .monaco-editor[role=code]").First);
        await page.WaitForFunctionAsync($"() => !!({MonacoEditor})");
    }

    /// <summary>The text in the JSON tab's code editor.</summary>
    public static Task<string> JsonTextAsync(IPage page) =>
        page.EvaluateAsync<string>($"() => ({MonacoEditor}).editor.getValue()");

    /// <summary>Replaces the text in the JSON tab's code editor (as a paste would).</summary>
    public static async Task SetJsonTextAsync(IPage page, string text)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.EvaluateAsync($"t => ({MonacoEditor}).editor.setValue(t)", text);
    }

    /// <summary>Waits until the JSON tab's code editor holds <paramref name="fragment"/>.</summary>
    public static async Task JsonContainsAsync(IPage page, string fragment)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.WaitForFunctionAsync($"f => ({MonacoEditor}).editor.getValue().includes(f)", fragment);
    }

    /// <summary>Picks <paramref name="option"/> in a MudSelect until its input shows it (a click during a render can be lost).</summary>
    public static async Task ChooseAsync(IPage page, string testId, string option)
    {
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByTestId(testId).ClickAsync();
            try
            {
                // A re-render (a live refresh) can close the list as it opens: open it again rather than wait a minute.
                await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync(new() { Timeout = 5000 });
                await page.WaitForFunctionAsync(
                    "([id, text]) => { const el = document.querySelector(`[data-testid=${id}]`); const input = el && (el.matches('input') ? el : el.querySelector('input')); return !!input && input.value === text; }",
                    new[] { testId, option }, new() { Timeout = 5000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await page.Keyboard.PressAsync("Escape");
            }
        }
    }

    /// <summary>Adds an action from the stage in the inspector to <paramref name="to"/> with the inspector's form.</summary>
    public static async Task AddActionAsync(IPage page, string to, string key, string name, string role)
    {
        ArgumentNullException.ThrowIfNull(page);
        var form = page.GetByTestId("connect-form");
        await form.Locator("summary").ClickAsync();
        await page.GetByTestId("connect-to").SelectOptionAsync(to);
        await page.GetByTestId("connect-key").FillAsync(key);
        await page.GetByTestId("connect-name").FillAsync(name);
        await form.GetByLabel(role).CheckAsync();
        await page.GetByTestId("connect-add").ClickAsync();
    }

    /// <summary>
    /// Drags from the centre of <paramref name="from"/> onto <paramref name="to"/> on the Studio canvas, as a hand would
    /// when the target is out of sight: to the canvas's edge, held there while the canvas scrolls, then onto the target.
    /// </summary>
    public static async Task DragOnCanvasAsync(IPage page, ILocator from, ILocator to)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        await from.ScrollIntoViewIfNeededAsync();
        var start = (await from.BoundingBoxAsync())!;
        var canvas = (await page.Locator(".canvas-scroll:visible").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(start.X + start.Width / 2, start.Y + start.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(start.X + start.Width / 2 + 6, start.Y + start.Height / 2 + 6, new() { Steps = 3 });
        bool Inside(LocatorBoundingBoxResult box) =>
            box.X >= canvas.X && box.X + box.Width <= canvas.X + canvas.Width && box.Y >= canvas.Y && box.Y + box.Height <= canvas.Y + canvas.Height;
        for (var wait = 0; !Inside((await to.BoundingBoxAsync())!) && wait < 100; wait++)
        {
            var target = (await to.BoundingBoxAsync())!;
            var x = target.X < canvas.X ? canvas.X + 8 : target.X + target.Width > canvas.X + canvas.Width ? canvas.X + canvas.Width - 8 : target.X + target.Width / 2;
            var y = target.Y < canvas.Y ? canvas.Y + 8 : target.Y + target.Height > canvas.Y + canvas.Height ? canvas.Y + canvas.Height - 8 : target.Y + target.Height / 2;
            await page.Mouse.MoveAsync((float)x, (float)y, new() { Steps = 2 });
            await page.WaitForTimeoutAsync(50);
        }

        var end = (await to.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(end.X + end.Width / 2, end.Y + end.Height / 2, new() { Steps = 6 });
        await page.Mouse.UpAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        (Refusals.TryGetValue(page, out var refused) ? refused : []).Should().BeEmpty($"the page behind {name} breaks no rule of its Content-Security-Policy");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // the fixed app bar would cover a scrolled page's top
        await page.WaitForTimeoutAsync(400); // let tab sliders and snackbars finish their animation
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    private static string ProjectFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServiceDelivery.Browser.Tests.csproj")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }

    /// <summary>How wide “” is, in ems, set in <paramref name="element"/>'s font: about 0.8 in a Latin face, 2 when full-width.</summary>
    public static Task<double> QuotesWidthInEmsAsync(ILocator element) => element.EvaluateAsync<double>("""
        el => {
            const s = document.createElement('span');
            s.textContent = '\u201C\u201D';
            el.appendChild(s);
            const ems = s.getBoundingClientRect().width / parseFloat(getComputedStyle(s).fontSize);
            s.remove();
            return ems;
        }
        """);
}
