#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
# The acceptance suite a PowerShell user would write: every cmdlet against real redis-servers and a real container,
# wildcards, Get-ChildItem into the cmdlets, names, the views. Run by build.ps1 -Test (a fresh pwsh).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:HasDocker = Test-DockerAvailable
    if (-not $HasDocker -and $env:REDISBACKUP_REQUIRE_DOCKER -eq '1') { throw 'REDISBACKUP_REQUIRE_DOCKER=1 but no Docker engine answers.' }
    $script:Redis74 = Get-TestServerBuild 'redis-7.4.1'
    $script:Cmdlets = @('Convert-RedisBackup', 'Copy-RedisBackup', 'Get-RedisBackup', 'Get-RedisBackupContent', 'Get-RedisBackupStats', 'New-RedisBackup', 'Remove-RedisBackup', 'Restore-RedisBackup', 'Test-RedisBackup')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModuleManifest -Force -ErrorAction Stop
    $script:Source = Start-TestRedis
    $script:Target = Start-TestRedis
    Add-SampleData $Source.Port
    $script:SourceDigest = Invoke-Redis $Source.Port debug digest
}

AfterAll {
    Stop-TestRedis $Source
    Stop-TestRedis $Target
}

Describe 'RedisBackup, as a PowerShell user runs it' {
    BeforeEach {
        $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-pester-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Work | Out-Null
        Push-Location $Work
        $script:Catalog = Join-Path $Work 'cat'
        Invoke-Redis $Target.Port flushall | Out-Null
    }

    AfterEach {
        Pop-Location
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    Describe 'The module' {
        It 'exports exactly the nine cmdlets' {
            (Get-Command -Module RedisBackup).Name | Sort-Object | Should -Be $Cmdlets
        }

        It '<_> has help with a synopsis and at least two examples' -ForEach $Cmdlets {
            $help = Get-Help $_ -Full
            $help.Synopsis | Should -Not -BeNullOrEmpty
            @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        }

        It 'help shows the real defaults' {
            (Get-Help New-RedisBackup -Parameter Port).defaultValue | Should -Be '6379 (or the port of -Uri)'
            (Get-Help Get-RedisBackup -Parameter CatalogPath).defaultValue | Should -BeLike '*REDISBACKUP_PATH*./backups/redis'
            (Get-Help Restore-RedisBackup -Parameter TtlMode).defaultValue | Should -Be 'Absolute'
        }

        It 'names the catalog -CatalogPath (alias -Directory) on every cmdlet' {
            foreach ($name in $Cmdlets) {
                (Get-Command $name).Parameters['CatalogPath'].Aliases | Should -Be @('Directory')
            }
        }
    }

    Describe 'Backing up and restoring' {
        It 'round trip: New-RedisBackup, then Get-RedisBackup | Select-Object -Last 1 | Restore-RedisBackup' {
            $backup = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog
            $backup.KeyCount | Should -Be 8
            Test-Path -LiteralPath $backup.Path | Should -BeTrue

            $result = Get-RedisBackup -CatalogPath $Catalog | Select-Object -Last 1 | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Confirm:$false
            $result.Restored | Should -Be 8
            $result.Backup | Should -Be $backup.Name
            Invoke-Redis $Target.Port debug digest | Should -Be $SourceDigest
        }

        It 'a snapshot, an exact and a logical backup each restore identically' {
            $backups = @(
                New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Kind Snapshot -Compress
                New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Exact
                New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog
            )
            foreach ($b in $backups) {
                $b | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Flush -Force -Confirm:$false | Out-Null
                Invoke-Redis $Target.Port debug digest | Should -Be $SourceDigest -Because $b.Name
            }
        }

        It '-WhatIf writes nothing, and a restore -WhatIf changes nothing' {
            New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -WhatIf
            Test-Path -LiteralPath $Catalog | Should -BeFalse
            New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -WhatIf
            Invoke-Redis $Target.Port dbsize | Should -Be 0
        }

        It '-MaxAge 90 means 90 days: the earlier backups stay' {
            1..3 | ForEach-Object { New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -MaxAge 90 } | Out-Null
            @(Get-RedisBackup -CatalogPath $Catalog).Count | Should -Be 3
        }

        It 'keys that fail make the restore an error' {
            $small = Start-TestRedis -Arguments '--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'
            try {
                1..200 | ForEach-Object { "SET big:$_ $('v' * 20000)" } | redis-cli -p $Source.Port -n 2 | Out-Null
                $backup = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Database 2
                $result = $backup | Restore-RedisBackup -HostName 127.0.0.1 -Port $small.Port -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
                $result.Failed | Should -BeGreaterThan 0
                $failed[0].FullyQualifiedErrorId | Should -BeLike 'RestoreIncomplete,*'
                { $backup | Restore-RedisBackup -HostName 127.0.0.1 -Port $small.Port -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RestoreIncomplete*'
            } finally {
                Invoke-Redis $Source.Port -n 2 flushdb | Out-Null
                Stop-TestRedis $small
            }
        }
    }

    Describe 'Backups by object, path, wildcard and name' {
        BeforeEach {
            $script:KeyLevel = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Label one
            $script:Snapshot = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Kind Snapshot
        }

        It 'Get-ChildItem of the catalog pipes into Restore-RedisBackup and Test-RedisBackup, sidecars skipped' {
            $results = Get-ChildItem $Catalog | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Replace -Confirm:$false -ErrorVariable problems
            $problems | Should -BeNullOrEmpty
            $results.Count | Should -Be 2
            Invoke-Redis $Target.Port debug digest | Should -Be $SourceDigest
            (Get-ChildItem $Catalog | Test-RedisBackup).IsValid | Should -Be @($true, $true)
        }

        It 'wildcards in -Path match backups, never their .meta.json or .sha256' {
            @(Test-RedisBackup -Path "$Catalog/*").Count | Should -Be 2
            Remove-RedisBackup -Path "$Catalog/*one*" -Confirm:$false -ErrorVariable problems
            $problems | Should -BeNullOrEmpty
            (Get-ChildItem $Catalog).Name | Should -Be @($Snapshot.Name, "$($Snapshot.Name).meta.json", "$($Snapshot.Name).sha256")
        }

        It 'names and name patterns work on Get, Test, Restore, Copy and Remove' {
            (Get-RedisBackup -Name 'redis-keys-*' -CatalogPath $Catalog).Name | Should -Be $KeyLevel.Name
            (Test-RedisBackup -Name $Snapshot.Name -CatalogPath $Catalog).IsValid | Should -BeTrue
            (Restore-RedisBackup -Name $Snapshot.Name -CatalogPath $Catalog -HostName 127.0.0.1 -Port $Target.Port -Confirm:$false).Restored | Should -Be 8
            New-Item -ItemType Directory -Path ./export | Out-Null
            (Copy-RedisBackup -Name '*-one.*' -CatalogPath $Catalog -Destination ./export).Name | Should -Be $KeyLevel.Name
            $KeyLevel.Name | Remove-RedisBackup -CatalogPath $Catalog -Confirm:$false
            (Get-RedisBackup -CatalogPath $Catalog).Name | Should -Be $Snapshot.Name
        }

        It 'a backup and its string form bind anywhere a path is expected' {
            "$Snapshot" | Should -Be $Snapshot.Path
            (Test-RedisBackup $Snapshot).IsValid | Should -BeTrue
            (Test-RedisBackup -Path $Snapshot).IsValid | Should -BeTrue
            ($Snapshot.Path | Test-RedisBackup).IsValid | Should -BeTrue
            { $Snapshot.Name = 'renamed.rdb' } | Should -Throw '*ReadOnly*'
        }

        It 'a missing file is a non-terminating BackupNotFound error; the other paths still run' {
            $results = Test-RedisBackup -Path (Join-Path $Catalog 'nope.rdb'), $Snapshot.Path -ErrorVariable problems -ErrorAction SilentlyContinue
            $results.Name | Should -Be $Snapshot.Name
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -Be (Join-Path $Catalog 'nope.rdb')
        }

        It 'Remove-RedisBackup -WhatIf refuses what the real run would refuse' {
            Remove-RedisBackup -Name '../v/x.rdb' -CatalogPath $Catalog -WhatIf -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidBackupName,*'
        }
    }

    Describe 'The default views' {
        BeforeEach {
            New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog | Out-Null
            New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Kind Snapshot | Out-Null
        }

        It 'Get-RedisBackup shows every column at <_> columns' -ForEach 80, 120 {
            $lines = (Get-RedisBackup -CatalogPath $Catalog | Out-String -Width $_) -split "`n" | Where-Object { $_.Trim() }
            ($lines[0] -split '\s+' | Where-Object { $_ }) | Should -Be @('Created', 'Size', 'Keys', 'Verified', 'Name')
            foreach ($b in Get-RedisBackup -CatalogPath $Catalog) { $lines | Where-Object { $_.TrimEnd().EndsWith(" $($b.Name)") } | Should -Not -BeNullOrEmpty }
        }

        It 'Get-RedisBackupStats is a list naming the latest backup' {
            $text = Get-RedisBackupStats -CatalogPath $Catalog | Out-String -Width 80
            $text | Should -Match 'Backups\s+: 2 \(1 snapshots, 1 key-level\)'
            $text | Should -Match 'Latest\s+: redis-backup-'
        }

        It 'a restore result says which backup it restored' {
            $text = Get-RedisBackup -CatalogPath $Catalog -Kind Snapshot | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Confirm:$false | Out-String -Width 80
            $text | Should -Match 'Backup\s+: redis-backup-\d{8}-\d{6}\.rdb'
        }
    }

    Describe 'The catalog keeps its promises' {
        It 'an unknown -Type is refused while binding, and the known types complete' {
            { New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Type strng } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,RedisBackup.PowerShell.Commands.NewRedisBackupCommand'
            Test-Path -LiteralPath $Catalog | Should -BeFalse
            (TabExpansion2 -inputScript 'New-RedisBackup -Type s' -cursorColumn 23).CompletionMatches.CompletionText | Should -Be @('string', 'set', 'stream')
            (New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Type String).KeyCount | Should -Be 4
        }

        It 'a catalog path that does not exist is a CatalogNotFound error in Get-RedisBackup and Get-RedisBackupStats' {
            $typo = Join-Path $Work 'typo'
            $listed = Get-RedisBackup -CatalogPath $typo -ErrorVariable listErrors -ErrorAction SilentlyContinue
            $listed | Should -BeNullOrEmpty
            $listErrors[0].FullyQualifiedErrorId | Should -BeLike 'CatalogNotFound,*'
            $listErrors[0].TargetObject | Should -Be $typo
            $stats = Get-RedisBackupStats -CatalogPath $typo -ErrorVariable statsErrors -ErrorAction SilentlyContinue
            $stats | Should -BeNullOrEmpty
            $statsErrors[0].FullyQualifiedErrorId | Should -BeLike 'CatalogNotFound,*'
            { Get-RedisBackupStats -CatalogPath $typo -ErrorAction Stop } | Should -Throw -ErrorId 'CatalogNotFound*'
            Test-Path -LiteralPath $typo | Should -BeFalse
        }

        It 'Get-RedisBackupStats reports a .partial file left by a killed run, with a warning, and shows it' {
            New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog | Out-Null
            $stale = Join-Path $Catalog '.redis-keys-20260101-000000.jsonl.gz.0123456789ab.partial'
            Set-Content -LiteralPath $stale -Value 'left by a killed run'
            (Get-Item -LiteralPath $stale -Force).LastWriteTimeUtc = [datetime]::UtcNow.AddMinutes(-10)
            $stats = Get-RedisBackupStats -CatalogPath $Catalog -WarningVariable warned -WarningAction SilentlyContinue
            @($stats.PartialFiles | Where-Object Stale).Name | Should -Be (Split-Path $stale -Leaf)
            ($warned -join ' ') | Should -BeLike '1 partial file(s) left by interrupted runs*'
            ($stats | Out-String -Width 200) | Should -Match 'PartialFiles\s+: \.redis-keys-20260101-000000\.jsonl\.gz\.0123456789ab\.partial \(\d+ B, left by an interrupted run\)'
            New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog | Out-Null
            Test-Path -LiteralPath $stale | Should -BeFalse
            (Get-RedisBackupStats -CatalogPath $Catalog).PartialFiles | Should -BeNullOrEmpty
        }

        It 'retention is held back with a warning when the new backup shrank, unless -AllowShrink' {
            $shrinking = Start-TestRedis
            try {
                Add-SampleData $shrinking.Port
                New-RedisBackup -HostName 127.0.0.1 -Port $shrinking.Port -CatalogPath $Catalog -Keep 1 | Out-Null
                Invoke-Redis $shrinking.Port flushall | Out-Null
                New-RedisBackup -HostName 127.0.0.1 -Port $shrinking.Port -CatalogPath $Catalog -Keep 1 -WarningVariable held -WarningAction SilentlyContinue | Out-Null
                ($held -join ' ') | Should -BeLike 'Retention was held back: the new backup*'
                @(Get-RedisBackup -CatalogPath $Catalog).Count | Should -Be 2
                New-RedisBackup -HostName 127.0.0.1 -Port $shrinking.Port -CatalogPath $Catalog -Keep 1 -AllowShrink -WarningVariable none | Out-Null
                $none | Should -BeNullOrEmpty
                @(Get-RedisBackup -CatalogPath $Catalog).Count | Should -Be 1
            } finally {
                Stop-TestRedis $shrinking
            }
        }
    }

    Describe 'Converting, inspecting and restoring part of a backup' {
        BeforeEach {
            $script:Snapshot = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $Catalog -Kind Snapshot
        }

        It 'Convert-RedisBackup turns a snapshot into a logical backup that restores every key' {
            $converted = $Snapshot | Convert-RedisBackup -CatalogPath $Catalog -Confirm:$false
            $converted.Source | Should -Be "converted:$($Snapshot.Name)"
            $converted.Format | Should -Be 'KeysJsonl'
            $converted.KeyCount | Should -Be 8
            $result = $converted | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Confirm:$false
            $result.Success | Should -BeTrue
            Invoke-Redis $Target.Port debug digest | Should -Be $SourceDigest
        }

        It 'Get-RedisBackupContent counts keys per database and type, and its table fits 80 columns' {
            $content = Get-RedisBackup -CatalogPath $Catalog | Get-RedisBackupContent
            $content.Keys | Should -Be 8
            $content.KeysWithTtl | Should -Be 2
            @($content.Databases).Count | Should -Be 2
            $content.Databases[0].ToString() | Should -Be 'db 0: 7 keys (hash 1, list 1, set 1, string 3, zset 1)'
            $lines = ($content | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }
            ($lines[0] -split '\s+' | Where-Object { $_ }) | Should -Be @('Server', 'Keys', 'With', 'TTL', 'Name')
            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
            $lines[-1].TrimEnd() | Should -BeLike "* $($Snapshot.Name)"
        }

        It 'Restore-RedisBackup -SourceDatabase -Match -Type restores only those keys and counts the rest' {
            $result = Restore-RedisBackup -Name $Snapshot.Name -CatalogPath $Catalog -HostName 127.0.0.1 -Port $Target.Port -SourceDatabase 0 -Match 'session:*' -Type string -Confirm:$false
            $result.Restored | Should -Be 2
            $result.NotSelected | Should -Be 6
            Invoke-Redis $Target.Port dbsize | Should -Be '2'
            ($result | Out-String -Width 80) | Should -Match 'NotSelected\s+: 6'
        }

        It 'an unknown restore -Type is refused while binding, and nothing is written' {
            { Restore-RedisBackup -Name $Snapshot.Name -CatalogPath $Catalog -HostName 127.0.0.1 -Port $Target.Port -Type strng -Confirm:$false } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,RedisBackup.PowerShell.Commands.RestoreRedisBackupCommand'
            Invoke-Redis $Target.Port dbsize | Should -Be '0'
        }
    }

    Describe 'Hash field TTLs into a server without hash field expiration' -Skip:(-not $Redis74) {
        BeforeAll {
            $script:TtlWork = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-pester-ttl-" + [guid]::NewGuid().ToString('N'))
            $script:Source74 = Start-TestRedis -Server (Get-TestServerBuild 'redis-7.4.1')
            Invoke-Redis $Source74.Port hset session:1 token t user ada | Out-Null
            Invoke-Redis $Source74.Port hpexpire session:1 600000 FIELDS 1 token | Out-Null
            $script:TtlBackup = New-RedisBackup -HostName 127.0.0.1 -Port $Source74.Port -CatalogPath (Join-Path $TtlWork 'catalog')
        }

        AfterAll {
            Stop-TestRedis $Source74
            Remove-Item -LiteralPath $TtlWork -Recurse -Force -ErrorAction SilentlyContinue
        }

        It '-RequireFieldTtl refuses before anything is written' {
            $TtlBackup | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -RequireFieldTtl -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'FieldTtlNotSupported,*'
            Invoke-Redis $Target.Port dbsize | Should -Be '0'
        }

        It 'otherwise restores the fields and warns, naming the key, and the result view says so' {
            $result = $TtlBackup | Restore-RedisBackup -HostName 127.0.0.1 -Port $Target.Port -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
            $result.FieldTtlsLost | Should -Be 1
            $result.KeysWithWarnings | Should -Be 1
            $result.Warnings[0].Key | Should -Be 'session:1'
            ($warned -join "`n") | Should -BeLike '*1 hash field TTLs were not kept*'
            Invoke-Redis $Target.Port hget session:1 token | Should -Be 't'
            $text = $result | Out-String -Width 80
            $text | Should -Match 'FieldTtls\s+: 0 kept, 1 lost, 0 fields expired'
            $text | Should -Match "KeysWithWarnings\s+: 1 \(first: db 0 'session:1': "
        }

        It 'a Redis 7.4 target keeps them' {
            $target74 = Start-TestRedis -Server (Get-TestServerBuild 'redis-7.4.1')
            try {
                $result = $TtlBackup | Restore-RedisBackup -HostName 127.0.0.1 -Port $target74.Port -RequireFieldTtl -Confirm:$false
                $result.FieldTtlsKept | Should -Be 1
                $result.FieldTtlsLost | Should -Be 0
                [long](Invoke-Redis $target74.Port hpttl session:1 FIELDS 1 token | Select-Object -Last 1) | Should -BeGreaterThan 0
            } finally {
                Stop-TestRedis $target74
            }
        }
    }

    Describe 'A real container' -Skip:(-not $HasDocker) {
        BeforeAll {
            $script:Container = Start-TestContainer
            Add-SampleData $Container.Port
            $script:ContainerDigest = Invoke-Redis $Container.Port debug digest
        }

        AfterAll {
            Remove-TestContainer $Container
        }

        It 'snapshots the container and swaps the snapshot back in, with a safety snapshot first' {
            $backup = New-RedisBackup -Container $Container.Name -CatalogPath $Catalog
            $backup.Kind | Should -Be 'Snapshot'
            Invoke-Redis $Container.Port flushall | Out-Null
            $result = Get-ChildItem "$Catalog/*.rdb" | Restore-RedisBackup -Container $Container.Name -CatalogPath $Catalog -Confirm:$false
            $result.Method | Should -Be 'container'
            $result.SafetySnapshot.Name | Should -BeLike '*-pre-restore.rdb.gz'
            Wait-TestContainer $Container
            Invoke-Redis $Container.Port debug digest | Should -Be $ContainerDigest
        }

        It 'completes running container names' {
            $matches = (TabExpansion2 -inputScript 'New-RedisBackup -Container redisbackup-pester-' -cursorColumn 44).CompletionMatches.CompletionText
            $matches | Should -Contain $Container.Name
        }
    }
}
