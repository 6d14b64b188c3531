using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using ServiceDelivery.Application.Outbox;

namespace ServiceDelivery.Infrastructure.Notifications;

/// <summary>
/// Renders mails from Liquid files: <c>{culture}/{template}.liquid</c> captures <c>subject</c>, <c>intro</c>, and
/// optionally <c>quote</c> and <c>next</c>; <c>{culture}/_layout.text.liquid</c> and <c>_layout.html.liquid</c>
/// put them around the facts every mail carries. Parsed once per file.
/// </summary>
public sealed class FluidMailComposer : IMailComposer
{
    private static readonly FluidParser Parser = new();
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);
    private static readonly string[] PartNames = ["subject", "intro", "quote", "next"];

    // Building options registers every filter and a member-access strategy: once, not per mail.
    private static readonly TemplateOptions Options = new() { CultureInfo = System.Globalization.CultureInfo.InvariantCulture };
    private readonly string _root;
    private readonly ConcurrentDictionary<string, IFluidTemplate> _parsed = new(StringComparer.Ordinal);

    public FluidMailComposer(string root) => _root = root;

    /// <summary>The folder the host ships: templates/notifications next to the assemblies.</summary>
    public static string DefaultRoot => Path.Combine(AppContext.BaseDirectory, "templates", "notifications");

    public RenderedMail Compose(string template, string culture, IReadOnlyDictionary<string, object?> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        culture = culture == "en" ? "en" : "zh-CN";
        var body = Template(culture, template);

        // Rendered twice: once as text, once HTML-encoded; the parts it captures feed the two layouts.
        var text = Parts(body, model, NullEncoder.Default);
        var html = Parts(body, model, Html);
        var subject = text.GetValueOrDefault("subject")?.Trim();
        if (string.IsNullOrEmpty(subject) || string.IsNullOrWhiteSpace(text.GetValueOrDefault("intro")))
        {
            throw new InvalidOperationException($"Template {culture}/{template} must capture a subject and an intro.");
        }

        return new RenderedMail(
            subject,
            Render(Template(culture, "_layout.text"), model, text, NullEncoder.Default),
            Render(Template(culture, "_layout.html"), model, html, Html));
    }

    private IFluidTemplate Template(string culture, string name) =>
        _parsed.GetOrAdd($"{culture}/{name}", key =>
        {
            var path = Path.Combine(_root, culture, name + ".liquid");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"No mail template {key}.liquid", path);
            }

            return Parser.TryParse(File.ReadAllText(path), out var parsed, out var error)
                ? parsed
                : throw new InvalidOperationException($"Mail template {key}.liquid does not parse: {error}");
        });

    private static Dictionary<string, string> Parts(IFluidTemplate template, IReadOnlyDictionary<string, object?> model, TextEncoder encoder)
    {
        var context = Context(model);
        using var sink = new StringWriter();
        template.RenderAsync(sink, context, encoder, isolateContext: false).AsTask().GetAwaiter().GetResult();
        return PartNames
            .ToDictionary(part => part, part => context.GetValue(part).ToStringValue().Trim());
    }

    private static string Render(IFluidTemplate layout, IReadOnlyDictionary<string, object?> model, Dictionary<string, string> parts, TextEncoder encoder)
    {
        var context = Context(model);
        foreach (var (name, value) in parts)
        {
            context.SetValue(name, value);
        }

        using var writer = new StringWriter();
        layout.RenderAsync(writer, context, encoder, isolateContext: false).AsTask().GetAwaiter().GetResult();
        return writer.ToString();
    }

    private static TemplateContext Context(IReadOnlyDictionary<string, object?> model)
    {
        var context = new TemplateContext(Options);
        foreach (var (name, value) in model)
        {
            context.SetValue(name, value);
        }

        return context;
    }
}
