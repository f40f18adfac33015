FROM ubuntu:latest
MAINTAINER ops@example.com

RUN apt-get update && apt-get upgrade -y
RUN apt-get install -y openssh-server sudo vim curl
RUN mkdir /var/run/sshd
RUN useradd -m -s /bin/bash dev && echo 'dev:Passw0rd!' | chpasswd && adduser dev sudo
RUN sed -i 's/#PermitRootLogin prohibit-password/PermitRootLogin yes/' /etc/ssh/sshd_config
COPY id_rsa.pub /home/dev/.ssh/authorized_keys
COPY id_rsa /home/dev/.ssh/id_rsa

EXPOSE 22
CMD ["/usr/sbin/sshd", "-D"]
