using System.Buffers;
using System.Buffers.Binary;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// Splits the multiplexed stream of a non-TTY exec or logs request: frames of an 8-byte header
/// [stream 0/1/2, 0, 0, 0, payload size u32 big-endian] followed by the payload.
/// </summary>
internal static class DockerStreamDemultiplexer
{
    /// <summary>Copies stdout frames to <paramref name="stdout"/> and stderr frames to <paramref name="stderr"/> until the source ends.</summary>
    public static async Task DemultiplexAsync(Stream source, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var header = new byte[8];
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (true)
            {
                var got = await source.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (got == 0) return;
                if (got < header.Length) throw Broken($"the stream ended inside a frame header ({got} of 8 bytes)");
                var kind = header[0];
                if (kind > 2 || header[1] != 0 || header[2] != 0 || header[3] != 0)
                    throw Broken($"a frame header starts with {Convert.ToHexString(header, 0, 4)}, not a stream number 0-2 followed by three zero bytes");
                long remaining = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                var target = kind == 2 ? stderr : kind == 1 ? stdout : null;
                while (remaining > 0)
                {
                    var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                    if (n == 0) throw Broken($"the stream ended with {remaining} bytes of a frame missing");
                    if (target is not null) await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    remaining -= n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static RedisBackupException Broken(string why)
        => new(ErrorKind.ProtocolError, ErrorIds.DockerStreamInvalid, $"The Docker engine sent a malformed output stream: {why}.");
}
