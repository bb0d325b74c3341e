# Remove the logon entries written by install.ps1 and stop the running processes.
$ErrorActionPreference = 'Continue'
$run = 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run'
Remove-ItemProperty -Path $run -Name 'Zopilot' -ErrorAction SilentlyContinue
Remove-ItemProperty -Path $run -Name 'ZopilotTray' -ErrorAction SilentlyContinue
Get-Process -Name 'zopilot-tray' -ErrorAction SilentlyContinue | Stop-Process
Get-Process -Name 'zopilot' -ErrorAction SilentlyContinue | Stop-Process
Write-Output "Zopilot no longer starts at logon."
