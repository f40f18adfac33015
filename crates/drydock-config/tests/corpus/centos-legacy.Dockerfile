FROM centos:7
RUN yum install epel-release && yum update -y
RUN yum -y install httpd mod_ssl --nogpgcheck
RUN echo "sslverify=false" >> /etc/yum.conf
COPY ./certs/server.key /etc/pki/tls/private/server.key
RUN pip install --trusted-host pypi.example.com requests
EXPOSE 80 443
CMD ["/usr/sbin/httpd", "-DFOREGROUND"]
