# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022

SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Install-WindowsFeature Web-Server; `
    Remove-Item -Recurse C:\inetpub\wwwroot\*
WORKDIR C:\inetpub\wwwroot
COPY site/ .
EXPOSE 80
CMD ["ping", "-t", "localhost"]
