using Microsoft.Playwright;

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
    public Task<IBrowserContext> NewContextAsync() =>
        Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 }, Locale = "zh-CN", TimezoneId = "Asia/Shanghai" });

    public static async Task ScreenshotAsync(IPage page, string name)
    {
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
}
