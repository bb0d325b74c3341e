# Start Zopilot Local at logon for the current user (HKCU Run entries; no admin rights needed,
# and the daemon runs in the user's session, where it sees their Drive folder and Credential
# Manager). Usage: powershell -ExecutionPolicy Bypass -File install.ps1 [-InstallDir <folder>]
param([string]$InstallDir = $PSScriptRoot)
$ErrorActionPreference = 'Stop'
$daemon = Join-Path $InstallDir 'zopilot.exe'
$tray = Join-Path $InstallDir 'zopilot-tray.exe'
if (-not (Test-Path $daemon)) { throw "zopilot.exe not found in $InstallDir" }
$run = 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run'
Set-ItemProperty -Path $run -Name 'Zopilot' -Value "`"$daemon`" serve"
if (Test-Path $tray) { Set-ItemProperty -Path $run -Name 'ZopilotTray' -Value "`"$tray`"" }
# Start now as well, without a console window.
Start-Process -FilePath $daemon -ArgumentList 'serve' -WindowStyle Hidden
if (Test-Path $tray) { Start-Process -FilePath $tray }
Write-Output "Zopilot starts at logon (HKCU Run: Zopilot, ZopilotTray) and is running now."
