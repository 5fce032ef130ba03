#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Pester suite for the assembled module (module/RedisBackup). Run it with ./build.ps1 -Test.
# It needs pwsh 7.4+; the round trip needs redis-server and redis-cli on PATH; the container test needs a Docker engine.

BeforeDiscovery {
    $script:HasRedis = [bool](Get-Command redis-server -ErrorAction SilentlyContinue) -and [bool](Get-Command redis-cli -ErrorAction SilentlyContinue)
    $script:HasDocker = [bool](Get-Command docker -ErrorAction SilentlyContinue) -and $(docker info *> $null; $LASTEXITCODE -eq 0)
    $script:Redis74 = if ($env:REDISBACKUP_SERVERS) { Join-Path $env:REDISBACKUP_SERVERS 'redis-7.4.1' } else { $null }
    $script:HasRedis74 = $HasRedis -and $Redis74 -and (Test-Path (Join-Path $Redis74 'redis-server'))
    $script:Cmdlets = @('Convert-RedisBackup', 'Copy-RedisBackup', 'Get-RedisBackup', 'Get-RedisBackupContent', 'Get-RedisBackupStats', 'New-RedisBackup', 'Remove-RedisBackup', 'Restore-RedisBackup', 'Test-RedisBackup')
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../module/RedisBackup/RedisBackup.psd1') -Force -ErrorAction Stop
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Module surface' {
    It 'exports exactly the nine cmdlets' -TestCases @{ Expected = $Cmdlets } {
        (Get-Command -Module RedisBackup).Name | Sort-Object | Should -Be $Expected
    }

    It '<_> has help with at least two examples' -ForEach $Cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'Restore-RedisBackup and Remove-RedisBackup have ConfirmImpact High' {
        foreach ($name in 'Restore-RedisBackup', 'Remove-RedisBackup') {
            (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
                Should -Be 'High'
        }
    }

    It 'Get-RedisBackup lists nothing in an empty catalog' {
        $empty = Join-Path $Work 'empty'
        New-Item -ItemType Directory -Path $empty | Out-Null
        @(Get-RedisBackup -Path $empty).Count | Should -Be 0
    }
}

Describe 'Against a local redis-server' -Skip:(-not $HasRedis) {
    BeforeAll {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $script:Port = $listener.LocalEndpoint.Port; $listener.Stop()
        $data = Join-Path $Work 'server'
        New-Item -ItemType Directory -Path $data | Out-Null
        $script:Server = Start-Process redis-server -PassThru -ArgumentList @('--port', $Port, '--bind', '127.0.0.1', '--dir', $data, '--appendonly', 'no')
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while ((redis-cli -p $Port ping 2>$null) -ne 'PONG') {
            if ([datetime]::UtcNow -gt $deadline) { throw "redis-server did not answer on port $Port" }
            Start-Sleep -Milliseconds 100
        }
        redis-cli -p $Port set greeting hello | Out-Null
        redis-cli -p $Port hset user:1 name Ada lang en | Out-Null
        redis-cli -p $Port rpush queue a b c | Out-Null
        $script:Catalog = Join-Path $Work 'catalog'
    }

    AfterAll {
        if ($Server) { Stop-Process -Id $Server.Id -Force -ErrorAction SilentlyContinue }
    }

    It '-WhatIf creates nothing' {
        $whatIf = Join-Path $Work 'whatif'
        New-RedisBackup -HostName 127.0.0.1 -Port $Port -Path $whatIf -WhatIf
        Test-Path -LiteralPath $whatIf | Should -BeFalse
    }

    It 'round trip: New -> Get -> Select -Last 1 -> Restore' {
        $backup = New-RedisBackup -HostName 127.0.0.1 -Port $Port -Path $Catalog
        $backup.KeyCount | Should -Be 3
        Test-Path -LiteralPath $backup.Path | Should -BeTrue

        redis-cli -p $Port flushall | Out-Null
        $result = Get-RedisBackup -Path $Catalog | Select-Object -Last 1 | Restore-RedisBackup -HostName 127.0.0.1 -Port $Port -Confirm:$false

        $result.Restored | Should -Be 3
        $result.Failed | Should -Be 0
        redis-cli -p $Port get greeting | Should -Be 'hello'
        redis-cli -p $Port hget user:1 name | Should -Be 'Ada'
        redis-cli -p $Port lrange queue 0 -1 | Should -Be @('a', 'b', 'c')
    }

    It 'Restore -WhatIf changes nothing' {
        redis-cli -p $Port flushall | Out-Null
        Get-RedisBackup -Path $Catalog | Select-Object -Last 1 | Restore-RedisBackup -HostName 127.0.0.1 -Port $Port -WhatIf
        redis-cli -p $Port dbsize | Should -Be 0
    }
}

Describe 'Errors' {
    It 'a missing container fails with the ContainerNotFound error id' -Skip:(-not $HasDocker) {
        { New-RedisBackup -Container "no-such-container-$(Get-Random)" -Path (Join-Path $Work 'missing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotFound'
    }

    It 'a missing backup file is a non-terminating BackupNotFound error' {
        $err = $null
        Restore-RedisBackup -LiteralPath (Join-Path $Work 'nope.rdb') -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Hash field TTLs into a server without hash field expiration' -Skip:(-not $HasRedis74) {
    BeforeAll {
        function Start-TestServer([string] $Server, [string] $Name) {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $data = Join-Path $Work $Name
            New-Item -ItemType Directory -Path $data | Out-Null
            $process = Start-Process $Server -PassThru -ArgumentList @('--port', $port, '--bind', '127.0.0.1', '--dir', $data, '--appendonly', 'no', '--logfile', (Join-Path $data 'redis.log'))
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ((redis-cli -p $port ping 2>$null) -ne 'PONG') {
                if ([datetime]::UtcNow -gt $deadline) { throw "$Server did not answer on port $port" }
                Start-Sleep -Milliseconds 100
            }
            [pscustomobject]@{ Port = $port; Process = $process }
        }
        $script:Source = Start-TestServer (Join-Path $Redis74 'redis-server') 'source74'
        $script:Target = Start-TestServer 'redis-server' 'target70'
        redis-cli -p $Source.Port hset session:1 token t user ada | Out-Null
        redis-cli -p $Source.Port hpexpire session:1 600000 FIELDS 1 token | Out-Null
        $script:Backup = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -Path (Join-Path $Work 'ttl-catalog')
    }

    AfterAll {
        foreach ($server in $Source, $Target) { if ($server) { Stop-Process -Id $server.Process.Id -Force -ErrorAction SilentlyContinue } }
    }

    It '-RequireFieldTtl refuses before anything is written' {
        $err = $null
        $Backup | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -RequireFieldTtl -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FieldTtlNotSupported,*'
        redis-cli -p $Target.Port dbsize | Should -Be '0'
    }

    It 'otherwise restores the fields and warns, naming the key' {
        $warnings = $null
        $result = $Backup | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $result.FieldTtlsLost | Should -Be 1
        $result.Warnings[0].Key | Should -Be 'session:1'
        ($warnings -join "`n") | Should -BeLike '*1 hash field TTLs were not kept*'
        redis-cli -p $Target.Port hget session:1 token | Should -Be 't'
    }
}
