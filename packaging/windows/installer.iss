; Inno Setup 6/7 script: per-user installer for Mail Setup Wizard, no admin rights needed.
;
;   iscc /DAppVersion=0.1.0 /DNumericVersion=0.1.0.0 packaging\windows\installer.iss
;   (packaging\windows\build.ps1 builds the onedir first and passes these)
;
; Installs dist\mail-setup-wizard\ to %LOCALAPPDATA%\Programs\Mail Setup Wizard ({autopf} in
; per-user mode), adds a Start menu shortcut ({autoprograms}), registers an uninstaller under
; HKCU, and removes all of it on uninstall. IT can still install for all users from an elevated
; prompt with /ALLUSERS (PrivilegesRequiredOverridesAllowed).
;
; IT's provider file is installed only when IT names it: setup.exe /PROVIDER="\\server\share\provider.xml"
; (silent: setup.exe /VERYSILENT /PROVIDER=...), or a build that embeds it (iscc
; /DEmbedProvider=path\provider.xml: packed into the signed setup as the app's built-in settings).
; Never a provider.xml that merely lies beside the setup .exe ({src}): setup files are run from
; Downloads, where a browser drops files unasked, and that file would decide where every new
; employee's password goes. /PROVIDER= puts it beside mail-setup-wizard.exe; in a per-machine
; install (/ALLUSERS, Program Files) that is IT's word, in a per-user one the app trusts it only
; while its servers lie in the address's own domain and otherwise asks the person first
; (docs/provider-file.md).

#define AppName "Mail Setup Wizard"
#define ExeName "mail-setup-wizard.exe"
#define CliExeName "mail-setup-wizard-cli.exe"
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef NumericVersion
  #define NumericVersion "0.0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\mail-setup-wizard"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
; Never change AppId: it is how upgrades and the uninstaller find an existing install.
AppId={{8C3D6B1E-5F2A-4E7B-9A41-0D6E2C7B95A3}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Sepheo
VersionInfoVersion={#NumericVersion}
VersionInfoProductName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DisableDirPage=auto
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
OutputDir={#OutputDir}
OutputBaseFilename=MailSetupWizard-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#ExeName}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 1809 (build 17763): the oldest Qt 6 supports; Qt Core also links the system ICU
; (icuuc.dll), which older Windows 10 builds lack.
MinVersion=10.0.17763
; Upgrades: close a running wizard through the Restart Manager instead of failing on locked DLLs.
CloseApplications=yes
RestartApplications=no
; Authenticode: build.ps1 passes /Ssigntool=<signtool sign ...> /DSign=1 when signing credentials
; are set (see build.ps1); Inno then signs the setup and the uninstaller it embeds. The app's
; own .exe files are signed by build.ps1 before this script packs them.
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade must not keep libraries or plugins the new build no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; IT's provider file, only from /PROVIDER= (a missing file named there is an error); nothing
; is taken from beside the setup .exe.
Source: "{param:PROVIDER}"; DestDir: "{app}"; DestName: "provider.xml"; Flags: external ignoreversion; Check: ProviderNamed
#ifdef EmbedProvider
; A build that embeds IT's file: it replaces the built-in settings inside the signed setup.
Source: "{#EmbedProvider}"; DestDir: "{app}\_internal\resources"; DestName: "provider.xml"; Flags: ignoreversion
#endif

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#ExeName}"; Comment: "Set up your mail and find out why a login fails"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#ExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#ExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; A provider.xml IT copied in by hand after installing, and the folder itself once empty.
Type: files; Name: "{app}\provider.xml"
Type: dirifempty; Name: "{app}"
; The app's own per-user folder: the remembered (non-secret) account, wizard/account/store.py,
; via platformdirs.user_config_dir("MailSetupWizard", appauthor=False), which on Windows is
; %LOCALAPPDATA%\MailSetupWizard (local, not roaming). Nothing else ever writes there.
; A password the user chose to keep stays in Windows Credential Manager: removing it needs the
; app itself (a future "forget" command run from [UninstallRun]).
; {localappdata} is the user who runs the uninstaller: right for the per-user install; an
; /ALLUSERS install removed by an admin leaves other users' folders alone.
Type: filesandordirs; Name: "{localappdata}\MailSetupWizard"

[Code]
// True only when IT named a provider file with /PROVIDER=path.
function ProviderNamed: Boolean;
begin
  Result := Trim(ExpandConstant('{param:PROVIDER}')) <> '';
end;
