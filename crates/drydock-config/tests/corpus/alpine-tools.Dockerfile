FROM alpine
RUN apk update
RUN apk add curl bash jq
ADD https://github.com/mikefarah/yq/releases/download/v4.40.5/yq_linux_amd64 /usr/local/bin/yq
RUN chmod +x /usr/local/bin/yq
RUN wget --no-check-certificate -O /tmp/kubectl https://dl.k8s.io/release/v1.29.0/bin/linux/amd64/kubectl \
    && install -m 0755 /tmp/kubectl /usr/local/bin/kubectl
ADD scripts/ /opt/scripts/
ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
ENTRYPOINT ["/bin/bash"]
