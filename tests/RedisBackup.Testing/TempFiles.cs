namespace RedisBackup.Testing;

/// <summary>Removes temporary directories (a server's, the benchmark's work folder), retrying briefly while a just-stopped server still writes its log.</summary>
public static class TempFiles
{
    public static void DeleteDirectory(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                return;
            }
            catch (Exception ex) when ((ex is IOException or UnauthorizedAccessException) && attempt < 5)
            {
                Thread.Sleep(100);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Could not remove {path}: {ex.Message}");
                return;
            }
        }
    }
}
