using System.Security.Cryptography;
using ServiceDelivery.Application.Attachments;

namespace ServiceDelivery.Infrastructure.Storage;

/// <summary>
/// Attachments on the file system: <c>root/ab/cd/&lt;sha256&gt;</c>. Uploads stream to <c>root/tmp</c> while
/// being hashed, then move into place (or are dropped when the same bytes are already there).
/// </summary>
public sealed class FileAttachmentStorage : IAttachmentStorage
{
    private readonly string _root;

    public FileAttachmentStorage(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
    }

    public async Task<StagedFile> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temporary = Path.Combine(_root, "tmp", Guid.NewGuid().ToString("N"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = new MemoryStream();
        long size = 0;
        var buffer = new byte[81920];
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new AttachmentTooLargeException(maxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    if (head.Length < AttachmentTypes.HeadSize)
                    {
                        head.Write(buffer, 0, (int)Math.Min(read, AttachmentTypes.HeadSize - head.Length));
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            return new StagedFile(temporary, Convert.ToHexStringLower(hash.GetHashAndReset()), size, head.ToArray());
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public bool Commit(StagedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var target = PathOf(file.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            // Same bytes, same name: if another upload got there first, ours is redundant.
            File.Move(file.TemporaryPath, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(file.TemporaryPath);
            return false;
        }
    }

    public void Delete(string sha256) => File.Delete(PathOf(sha256));

    public int DeleteStaleStaged(TimeSpan age)
    {
        var before = DateTime.UtcNow - age;
        var deleted = 0;
        foreach (var file in new DirectoryInfo(Path.Combine(_root, "tmp")).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < before)
            {
                file.Delete();
                deleted++;
            }
        }

        return deleted;
    }

    public void Discard(StagedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        File.Delete(file.TemporaryPath); // no error when it was already moved into place
    }

    public Stream OpenRead(string sha256) => new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);

    private string PathOf(string sha256)
    {
        // The hash is ours (hex), never a client's string; the check keeps it that way.
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a SHA-256 hex digest.", nameof(sha256));
        }

        return Path.Combine(_root, sha256[..2], sha256[2..4], sha256);
    }
}
