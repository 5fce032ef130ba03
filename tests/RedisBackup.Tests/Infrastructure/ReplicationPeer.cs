using System.Net;
using System.Net.Sockets;
using System.Text;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Infrastructure;

/// <summary>
/// A scripted replication peer on a free loopback port: it answers one client's handshake (INFO, REPLCONF capa,
/// REPLCONF rdb-only), reads the inline SYNC, then runs a script that sends whatever the test wants. A client that hangs
/// up early (a refused or cancelled download) ends the script quietly.
/// </summary>
internal static class ReplicationPeer
{
    /// <param name="oldServer">Answer like a pre-6.2 server: INFO refused, rdb-only unknown.</param>
    public static (int Port, Task Serving) Start(Func<Socket, Task> script, bool oldServer = false)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            try
            {
                using var s = await listener.AcceptSocketAsync();
                var reader = new RespReader(new NetworkStream(s));
                try
                {
                    await ReplyTo(reader, s, "INFO", oldServer ? "-ERR unknown command\r\n" : "$29\r\n# Server\r\nredis_version:7.0.0\r\n");
                    await ReplyTo(reader, s, "REPLCONF", "+OK\r\n");
                    await ReplyTo(reader, s, "REPLCONF", oldServer ? "-ERR Unrecognized REPLCONF option: rdb-only\r\n" : "+OK\r\n");
                    Assert.Equal("SYNC", Encoding.ASCII.GetString(await reader.ReadLineAsync()));
                    await script(s);
                    s.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // the client stopped reading: expected when a download is refused or cancelled
                }
            }
            finally
            {
                listener.Stop();
            }
        });
        return (port, serving);
    }

    /// <summary>Sends <paramref name="payload"/> in the diskless form ($EOF:mark, the bytes, the mark), 64 KB at a time.</summary>
    public static async Task SendDiskless(Socket s, byte[] payload)
    {
        var mark = new string('m', 40);
        await s.SendAsync(Encoding.ASCII.GetBytes($"$EOF:{mark}\r\n"));
        for (var i = 0; i < payload.Length; i += 1 << 16) await s.SendAsync(payload.AsMemory(i, Math.Min(1 << 16, payload.Length - i)));
        await s.SendAsync(Encoding.ASCII.GetBytes(mark));
    }

    private static async Task ReplyTo(RespReader reader, Socket s, string expected, string reply)
    {
        var command = await reader.ReadAsync();
        Assert.Equal(expected, command.Items![0].AsString());
        await s.SendAsync(Encoding.ASCII.GetBytes(reply));
    }
}
