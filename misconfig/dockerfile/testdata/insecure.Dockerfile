FROM centos:7
MAINTAINER Someone <someone@example.com>
ENV DB_PASSWORD=literal-db-pass \
    NODE_TLS_REJECT_UNAUTHORIZED=0
ARG NPM_TOKEN=literal-npm-token
RUN yum install httpd && yum update
RUN curl -k -o /tmp/tool.tgz http://downloads.example.com/tool.tgz && tar xzf /tmp/tool.tgz -C /opt
RUN sudo chmod -R 777 /var/www
RUN --mount=type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock docker build -t x .
RUN --security=insecure mount -t tmpfs none /mnt
ADD http://downloads.example.com/plugin.jar /opt/plugins/
ADD config.yml /etc/app/
COPY id_rsa /root/.ssh/id_rsa
COPY .npmrc /root/.npmrc
WORKDIR app
EXPOSE 22 80
CMD /usr/sbin/httpd -DFOREGROUND
CMD ["httpd", "-DFOREGROUND"]
