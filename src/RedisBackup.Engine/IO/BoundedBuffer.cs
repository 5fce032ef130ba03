using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.IO;

/// <summary>An in-memory buffer for small command output that refuses to grow past a limit.</summary>
internal sealed class BoundedBuffer(int limit) : MemoryStream
{
    public override void Write(byte[] buffer, int offset, int count)
    {
        Check(count);
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Check(buffer.Length);
        base.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Check(count);
        return base.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Check(buffer.Length);
        return base.WriteAsync(buffer, cancellationToken);
    }

    private void Check(int count)
    {
        if (Length + count > limit)
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.DockerOutputTooLarge, $"A command's output in the container exceeded {limit / (1 << 20)} MB.");
    }
}
