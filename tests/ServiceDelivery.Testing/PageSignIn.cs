using System.Net;
using System.Text.RegularExpressions;

namespace ServiceDelivery.Testing;

/// <summary>
/// The pages' cookie as a browser gets it: the development sign-in page read for its antiforgery token, its form
/// posted. Cookies are kept by hand (not a cookie container) so a test can replay them anywhere, as an attacker would.
/// </summary>
public static partial class PageSignIn
{
    /// <summary>Signs in on the development page of <paramref name="baseUrl"/>; answers the Cookie header to send.</summary>
    public static async Task<string> SignInAsync(string baseUrl, string sub, string roles, string? providerId = null, string? name = null)
    {
        using var http = NewClient();
        using var page = await http.GetAsync(baseUrl + "/signin");
        var antiforgery = Cookies(page);
        var token = TokenOf(await page.Content.ReadAsStringAsync());
        using var post = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["sub"] = sub,
                ["name"] = name ?? sub,
                ["roles"] = roles,
                ["providerId"] = providerId ?? string.Empty,
                ["returnUrl"] = "/",
                ["__RequestVerificationToken"] = token,
            }),
        };
        post.Headers.Add("Cookie", antiforgery);
        using var signedIn = await http.SendAsync(post);
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in answered {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
        }

        return antiforgery + "; " + Cookies(signedIn);
    }

    /// <summary>Posts the sign-out form of a page opened with <paramref name="cookie"/>, as its button does.</summary>
    public static async Task<HttpResponseMessage> SignOutAsync(string baseUrl, string cookie, string page = "/console")
    {
        using var http = NewClient();
        using var opened = await GetAsync(http, baseUrl + page, cookie);
        var token = TokenOf(await opened.Content.ReadAsStringAsync());
        var post = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/signout") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }) };
        post.Headers.Add("Cookie", cookie);
        return await http.SendAsync(post);
    }

    /// <summary>A GET with exactly <paramref name="cookie"/> (and no redirects followed).</summary>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient http, string url, string? cookie, Action<HttpRequestMessage>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        configure?.Invoke(request);
        return await http.SendAsync(request);
    }

    /// <summary>A client that neither follows redirects nor keeps cookies.</summary>
    public static HttpClient NewClient() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    private static string TokenOf(string html) =>
        AntiforgeryToken().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups["token"].Value) : throw new InvalidOperationException("No antiforgery token on the page.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
