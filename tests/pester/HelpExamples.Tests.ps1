#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
# Every example in the help (module/help/RedisBackup.help.json, the source of Get-Help -Examples) is proven here, so
# help can never drift from behaviour:
#   - "run" examples are EXECUTED as written, against real redis-servers and a real container, in a fresh directory
#     holding ./backups/redis with the backups the examples name; only hosts, ports, container names and absolute
#     paths are substituted (table below), and the confirmations they would ask are answered yes
#     ($PSDefaultParameterValues '*-RedisBackup:Confirm' = $false). Each must finish without any error.
#   - "parse" examples (a crontab line, Windows Task Scheduler, a remote TLS server with an interactive Get-Credential)
#     are parsed with the PowerShell parser; every command must exist (the Windows-only ScheduledTasks cmdlets are
#     named as such) and every RedisBackup command in them, including one inside a -Command string, must bind.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:HasDocker = Test-DockerAvailable
    $help = Get-Content -Raw (Join-Path $PSScriptRoot '../../module/help/RedisBackup.help.json') | ConvertFrom-Json
    $script:Examples = foreach ($command in $help.commands) {
        $n = 0
        foreach ($example in $command.examples) {
            $n++
            $verify = if ($example.PSObject.Properties['verify']) { $example.verify } else { 'run' }
            $code = $example.code -join "`n"
            @{
                Command = $command.name; Number = $n; Title = $example.title; Code = $code; Verify = $verify
                Why = if ($example.PSObject.Properties['why']) { $example.why } else { '' }
                NeedsDocker = $code -match 'photarium-redis|-Container '
            }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModuleManifest -Force -ErrorAction Stop
    $script:Source = Start-TestRedis
    $script:Target = Start-TestRedis
    Add-SampleData $Source.Port
    Invoke-Redis $Source.Port set session:web:1 x | Out-Null
    $script:Container = if (Test-DockerAvailable) { Start-TestContainer } else { $null }
    if ($Container) { Add-SampleData $Container.Port }

    # The backups the examples name, made once from the source server and copied into each example's catalog.
    $script:Seed = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-pester-seed-" + [guid]::NewGuid().ToString('N'))
    $made = Join-Path $Seed 'made'
    $snapshot = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $made -Kind Snapshot
    $keys = New-RedisBackup -HostName 127.0.0.1 -Port $Source.Port -CatalogPath $made
    $catalog = Join-Path $Seed 'backups/redis'
    New-Item -ItemType Directory -Path $catalog | Out-Null
    Copy-RedisBackup -InputObject $snapshot -Destination (Join-Path $catalog 'redis-backup-20260117-230436.rdb') | Out-Null
    Copy-RedisBackup -InputObject $keys -Destination (Join-Path $catalog 'redis-keys-20250315-101500.jsonl.gz') | Out-Null
    New-SeedServiceBackup -Path (Join-Path $catalog 'redis_backup_20250101_120000.json.gz')
    $offsite = Join-Path $Seed 'offsite'
    New-Item -ItemType Directory -Path $offsite | Out-Null
    Copy-RedisBackup -InputObject $keys -Destination $offsite | Out-Null

    function script:Get-Substituted([string] $Code, [string] $Work) {
        $map = [ordered]@{
            '/var/backups/redis'  = Join-Path $Work 'backups/redis'
            '/mnt/offsite/redis'  = Join-Path $Work 'offsite'
            'redis://new-cache:6380' = "redis://127.0.0.1:$($Target.Port)"
            'old-cache'           = '127.0.0.1'
            '-Port 6379'          = "-Port $($Source.Port)"
            '-Port 6380'          = "-Port $($Target.Port)"
            'photarium-redis'     = $(if ($Container) { $Container.Name } else { 'no-container' })
        }
        foreach ($entry in $map.GetEnumerator()) { $Code = $Code.Replace($entry.Key, $entry.Value) }
        $Code
    }

    # The PowerShell commands inside an example: the code itself, a crontab line's -Command '…', and a -Command "…"
    # inside a string (a scheduled task's argument).
    function script:Get-PowerShellParts([string] $Code) {
        $parts = [System.Collections.Generic.List[string]]::new()
        foreach ($line in $Code -split "`n") {
            if ($line -match '^\s*#') { continue }
            if ($line -match '^\s*[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s') {
                if ($line -match "-Command '([^']+)'") { $parts.Add($Matches[1]) } else { throw "A crontab line without -Command '…': $line" }
                continue
            }
            $parts.Add($line)
        }
        $parts
    }

    $script:WindowsOnly = @('New-ScheduledTaskAction', 'New-ScheduledTaskTrigger', 'Register-ScheduledTask')
}

AfterAll {
    Stop-TestRedis $Source
    Stop-TestRedis $Target
    Remove-TestContainer $Container
    Remove-Item -LiteralPath $Seed -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Help examples that run' {
    BeforeEach {
        $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-pester-example-" + [guid]::NewGuid().ToString('N'))
        Copy-Item -LiteralPath $Seed -Destination $Work -Recurse
        Remove-Item -LiteralPath (Join-Path $Work 'made') -Recurse -Force
        Push-Location $Work
        $env:REDISBACKUP_PATH = Join-Path $Work 'backups/redis'
        $PSDefaultParameterValues['*-RedisBackup:Confirm'] = $false
        Invoke-Redis $Target.Port flushall | Out-Null
    }

    AfterEach {
        $PSDefaultParameterValues.Remove('*-RedisBackup:Confirm')
        $env:REDISBACKUP_PATH = $null
        Pop-Location
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It '<Command> example <Number> runs as written: <Title>' -ForEach @($Examples | Where-Object Verify -EQ 'run') -Skip:($NeedsDocker -and -not $HasDocker) {
        $code = Get-Substituted $Code $Work
        $Error.Clear()
        $output = . ([scriptblock]::Create($code)) *>&1 | Out-String
        $errors = @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" } | Should -BeNullOrEmpty -Because "example code:`n$code`noutput:`n$output"
    }
}

Describe 'Help examples that can only be checked here' {
    It '<Command> example <Number> parses and binds (<Why>): <Title>' -ForEach @($Examples | Where-Object Verify -EQ 'parse') {
        $ours = 0
        foreach ($part in Get-PowerShellParts $Code) {
            $tokens = $null; $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($part, [ref]$tokens, [ref]$parseErrors)
            $parseErrors | Should -BeNullOrEmpty -Because $part
            $commands = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true))
            $nested = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $args[0].Value -match '-Command "([^"]+)"' }, $true))
            foreach ($string in $nested) {
                $null = $string.Value -match '-Command "([^"]+)"'
                $inner = [System.Management.Automation.Language.Parser]::ParseInput($Matches[1], [ref]$tokens, [ref]$parseErrors)
                $parseErrors | Should -BeNullOrEmpty -Because $Matches[1]
                $commands += @($inner.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true))
            }
            foreach ($command in $commands) {
                $name = $command.GetCommandName()
                if ($name -in $WindowsOnly) { continue } # the ScheduledTasks module exists on Windows only
                Get-Command $name -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "$name in: $part"
                if ($name -like '*-RedisBackup*') {
                    $ours++
                    $binding = [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($command, $true)
                    $binding.BindingExceptions.Values | ForEach-Object { $_.BindingException.Message } | Should -BeNullOrEmpty -Because $command.Extent.Text
                }
            }
        }
        $ours | Should -BeGreaterThan 0 -Because 'a checked-only example still runs a RedisBackup cmdlet'
    }
}

Describe 'Get-Help shows exactly the examples of the help source' {
    It '<_> has as many examples in Get-Help as in the help source' -ForEach @('New-RedisBackup', 'Get-RedisBackup', 'Restore-RedisBackup', 'Remove-RedisBackup', 'Get-RedisBackupStats', 'Test-RedisBackup', 'Copy-RedisBackup', 'Convert-RedisBackup', 'Get-RedisBackupContent') {
        $name = $_
        $inSource = @((Get-Content -Raw (Join-Path $PSScriptRoot '../../module/help/RedisBackup.help.json') | ConvertFrom-Json).commands | Where-Object name -EQ $name | ForEach-Object examples).Count
        @((Get-Help $name -Examples).examples.example).Count | Should -Be $inSource
    }
}
