using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Host.Auth;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>Uploads (multipart field <c>file</c>, streamed, never buffered whole) and downloads.</summary>
public static class AttachmentEndpoints
{
    public static IEndpointRouteBuilder MapAttachmentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/attachments").WithTags("Attachments").RequireAuthorization(Policies.DeliveryActors);
        group.MapPost("/", Upload).WithName("UploadAttachment")
            .WithSummary("Upload a file (multipart/form-data, field 'file')")
            .WithDescription("Streamed to storage, stored once per content (SHA-256). Limit Attachments:MaxBytes (413 attachment_too_large). Allowed: pdf, png, jpg/jpeg, gif, webp, zip, docx, xlsx, pptx, doc, xls, ppt, txt, log, md, csv, json, xml — by extension and by the file's leading bytes (415 attachment_type_not_allowed). The name is kept as metadata only; names with path segments are refused.")
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .ProducesErrors(400, 401, 403, 413, 415);
        group.MapGet("/{id:guid}", Download).WithName("DownloadAttachment")
            .WithSummary("Download a file: its uploader, or whoever can see a delivery that references it")
            .WithDescription("The file's bytes with its stored Content-Type and a Content-Disposition naming the file; Range requests are served. Allowed to its uploader and to whoever can see a delivery (or ticket) that references it; others get 404, as if it did not exist.")
            .ProducesErrors(401, 403, 404);
        return app;
    }

    internal static async Task<Results<Created<AttachmentView>, ProblemHttpResult>> Upload(HttpContext http, AttachmentCommands attachments, CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.From(http, new Failure("unsupported_media_type"));
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return Problems.From(http, Failure.Invalid(new InputError("file", "required")));
        }

        // The limit is ours (413 with our code), not Kestrel's: let the body through and count it ourselves.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = attachments.MaxBytes + (64 * 1024);
        }

        var reader = new MultipartReader(boundary, request.Body);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data") || disposition.Name.Value?.Trim('"') != "file")
                {
                    continue;
                }

                var fileName = (disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value?.Trim('"');
                var result = await attachments.UploadAsync(http.User.ToCaller(), fileName, section.Body, cancellationToken);
                return result.Failure is { } failure
                    ? Problems.From(http, failure)
                    : TypedResults.Created($"/api/v1/attachments/{result.Value!.Id}", result.Value);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.From(http, new Failure(AttachmentCommands.TooLargeCode));
        }
        catch (IOException)
        {
            return Problems.From(http, Failure.Invalid(new InputError("file", "invalid")));
        }

        return Problems.From(http, Failure.Invalid(new InputError("file", "required")));
    }

    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(Guid id, AttachmentCommands attachments, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await attachments.OpenAsync(http.User.ToCaller(), id, cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var (file, content) = result.Value;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(content, file.ContentType, file.FileName, enableRangeProcessing: true);
    }
}
