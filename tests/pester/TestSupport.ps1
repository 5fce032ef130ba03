# Helpers of the Pester suite: real redis-servers on free loopback ports, a Redis container from an image built out of
# the host's own binaries (no registry is needed), redis-cli, and a catalog of backups to run the help examples on.
# Dot-source it in BeforeAll.

$script:ModuleManifest = Join-Path $PSScriptRoot '../../out/RedisBackup/RedisBackup.psd1'

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Invoke-Redis {
    # redis-cli against a port; the reply lines as strings.
    param([Parameter(Mandatory)] [int] $Port, [Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    $out = & redis-cli -p $Port @Arguments
    if ($LASTEXITCODE -ne 0) { throw "redis-cli -p $Port $Arguments failed ($LASTEXITCODE)" }
    $out
}

function Start-TestRedis {
    # A redis-server on a free loopback port with its own directory, no persistence, DEBUG enabled. Returns an object
    # with Port, Directory and Process; Stop-TestRedis ends it. -Server runs another build (a redis-server path).
    param([string[]] $Arguments = @(), [string] $Server = (Get-Command redis-server -CommandType Application | Select-Object -First 1).Source)
    $port = Get-FreePort
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "redisbackup-pester-redis-$port-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Path $dir | Out-Null
    $info = [System.Diagnostics.ProcessStartInfo]::new($Server)
    # No diskless-sync delay: a replication snapshot starts at once instead of after 5 s.
    foreach ($a in @('--port', "$port", '--bind', '127.0.0.1', '--dir', $dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0',
            '--logfile', (Join-Path $dir 'redis.log')) + $Arguments) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $deadline = [datetime]::UtcNow.AddSeconds(15)
    while ((redis-cli -p $port ping 2>$null) -ne 'PONG') {
        if ([datetime]::UtcNow -gt $deadline) { throw "redis-server did not answer on port $port" }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ Port = $port; Directory = $dir; Process = $process }
}

function Get-TestServerBuild {
    # The redis-server of a build in REDISBACKUP_SERVERS (e.g. 'redis-7.4.1'), or $null when that is not set.
    # A build that REDISBACKUP_SERVERS should hold but does not is an error, never a skipped test.
    param([Parameter(Mandatory)] [string] $Name)
    if (-not $env:REDISBACKUP_SERVERS) { return $null }
    $server = Join-Path $env:REDISBACKUP_SERVERS $Name 'redis-server'
    if (-not (Test-Path -LiteralPath $server)) { throw "REDISBACKUP_SERVERS is set but has no $Name ($server)." }
    $server
}

function Stop-TestRedis {
    param($Server)
    if (-not $Server) { return }
    if (-not $Server.Process.HasExited) { $Server.Process.Kill($true); $Server.Process.WaitForExit() }
    Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction SilentlyContinue
}

function Add-SampleData {
    # A small mixed dataset: strings, a hash, a list, a set, a zset, keys with TTLs, a key in database 1.
    param([int] $Port)
    Invoke-Redis $Port set greeting hello | Out-Null
    Invoke-Redis $Port set session:1 alice PX 3600000 | Out-Null
    Invoke-Redis $Port set session:2 bob PX 7200000 | Out-Null
    Invoke-Redis $Port hset user:1 name Ada lang en | Out-Null
    Invoke-Redis $Port rpush queue a b c | Out-Null
    Invoke-Redis $Port sadd tags x y | Out-Null
    Invoke-Redis $Port zadd scores 1.5 m1 2 m2 | Out-Null
    Invoke-Redis $Port -n 1 set other-db 1 | Out-Null
}

function Get-TestRedisImage {
    # A Redis image made of the host's redis-server, redis-cli and the libraries they load (docker import of a rootfs),
    # tagged by the content's hash, so it is built once per machine.
    $files = [ordered]@{}
    foreach ($binary in 'redis-server', 'redis-cli') {
        $path = (Get-Command $binary -CommandType Application | Select-Object -First 1).Source
        $files["usr/bin/$binary"] = $path
        foreach ($line in (ldd $path)) {
            if ($line -match '(/\S+)\s+\(0x') { $files[$Matches[1].TrimStart('/')] = $Matches[1] }
        }
    }
    $sha = [System.Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
    foreach ($entry in $files.GetEnumerator()) {
        $sha.AppendData([System.Text.Encoding]::UTF8.GetBytes($entry.Key + "`0"))
        $sha.AppendData([System.IO.File]::ReadAllBytes($entry.Value))
    }
    $image = 'redisbackup-pester-redis:' + [Convert]::ToHexString($sha.GetHashAndReset()).Substring(0, 16).ToLowerInvariant()
    docker image inspect $image *> $null
    if ($LASTEXITCODE -eq 0) { return $image }

    $tar = Join-Path ([System.IO.Path]::GetTempPath()) "redisbackup-pester-rootfs-$([guid]::NewGuid().ToString('N')).tar"
    $stream = [System.IO.File]::Create($tar)
    $writer = [System.Formats.Tar.TarWriter]::new($stream, [System.Formats.Tar.TarEntryFormat]::Pax, $false)
    try {
        $dirs = [System.Collections.Generic.SortedSet[string]]::new([string[]]@('etc', 'data', 'tmp', 'usr', 'usr/bin'))
        foreach ($name in $files.Keys) { $parts = $name.Split('/'); for ($i = 1; $i -lt $parts.Count; $i++) { [void]$dirs.Add(($parts[0..($i - 1)] -join '/')) } }
        foreach ($dir in $dirs) {
            $mode = switch ($dir) { 'tmp' { [System.IO.UnixFileMode]1023 -bor [System.IO.UnixFileMode]::StickyBit } 'data' { [System.IO.UnixFileMode]511 } default { [System.IO.UnixFileMode]493 } }
            $entry = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::Directory, "$dir/")
            $entry.Mode = $mode
            $writer.WriteEntry($entry)
        }
        foreach ($text in @(@('etc/passwd', "root:x:0:0:root:/root:/bin/sh`nredis:x:999:999:redis:/data:/bin/sh`n"), @('etc/group', "root:x:0:`nredis:x:999:`n"))) {
            $entry = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, $text[0])
            $entry.Mode = [System.IO.UnixFileMode]420
            $entry.DataStream = [System.IO.MemoryStream]::new([System.Text.Encoding]::UTF8.GetBytes($text[1]))
            $writer.WriteEntry($entry)
        }
        foreach ($entry in $files.GetEnumerator()) {
            $file = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, $entry.Key)
            $file.Mode = [System.IO.UnixFileMode]493
            $file.DataStream = [System.IO.File]::OpenRead($entry.Value)
            $writer.WriteEntry($file)
            $file.DataStream.Dispose()
        }
    } finally {
        $writer.Dispose()
        $stream.Dispose()
    }
    try {
        docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'WORKDIR /data' $tar $image | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker import of the test image failed ($LASTEXITCODE)" }
    } finally {
        Remove-Item -LiteralPath $tar -Force -ErrorAction SilentlyContinue
    }
    $image
}

function Start-TestContainer {
    # A Redis container with its port published on 127.0.0.1; returns Name and Port. Remove it with Remove-TestContainer.
    $image = Get-TestRedisImage
    $name = 'redisbackup-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    docker run -d --name $name --label redisbackup.test=1 -p 127.0.0.1::6379 $image redis-server --dir /data --protected-mode no --enable-debug-command yes --save '' --appendonly no | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "docker run failed ($LASTEXITCODE)" }
    $container = [pscustomobject]@{ Name = $name; Port = 0 }
    Wait-TestContainer $container
    $container
}

function Wait-TestContainer {
    # Reads the published port again (a restart may change it) and waits for PING.
    param($Container)
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while ($true) {
        $published = docker port $Container.Name 6379/tcp 2>$null | Select-Object -First 1
        if ($published -match ':(\d+)$') {
            $Container.Port = [int]$Matches[1]
            if ((redis-cli -p $Container.Port ping 2>$null) -eq 'PONG') { return }
        }
        if ([datetime]::UtcNow -gt $deadline) { throw "container $($Container.Name) did not answer PING" }
        Start-Sleep -Milliseconds 100
    }
}

function Remove-TestContainer {
    param($Container)
    if ($Container) { docker rm -f -v $Container.Name *> $null }
}

function Test-DockerAvailable {
    if (-not (Get-Command docker -ErrorAction SilentlyContinue)) { return $false }
    docker info *> $null
    $LASTEXITCODE -eq 0
}

function New-SeedServiceBackup {
    # A backup in the format of the older Python service (redis_backup_YYYYMMDD_HHMMSS.json.gz).
    param([string] $Path)
    $json = [ordered]@{
        timestamp  = '20250101_120000'
        created_at = '2025-01-01T12:00:00'
        data       = [ordered]@{
            'seed:greeting' = @{ type = 'string'; value = 'from the old service'; ttl = $null }
            'seed:user'     = @{ type = 'hash'; value = @{ name = 'Grace' }; ttl = 3600 }
            'seed:list'     = @{ type = 'list'; value = @('a', 'b'); ttl = $null }
        }
    } | ConvertTo-Json -Depth 5
    $file = [System.IO.File]::Create($Path)
    $gzip = [System.IO.Compression.GZipStream]::new($file, [System.IO.Compression.CompressionMode]::Compress)
    try {
        $bytes = [System.Text.Encoding]::UTF8.GetBytes($json)
        $gzip.Write($bytes, 0, $bytes.Length)
    } finally {
        $gzip.Dispose(); $file.Dispose()
    }
}
