FROM registry.opensuse.org/opensuse/leap:15.5

RUN zypper refresh && zypper install -y --no-recommends nginx curl
RUN zypper --non-interactive install -y php8-fpm=8.2.9 \
 && zypper clean --all
RUN zypper addrepo --no-gpgcheck https://download.example.org/repo/extras extras \
 && zypper --gpg-auto-import-keys install -y extras-tools

COPY nginx.conf /etc/nginx/nginx.conf
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
