# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Invoke-WebRequest -Uri https://example.com/setup.ps1 -OutFile setup.ps1 | Out-Null; `
    .\setup.ps1
WORKDIR C:\app
COPY app.exe C:\app\
USER ContainerUser
ENTRYPOINT ["C:\\app\\app.exe"]
