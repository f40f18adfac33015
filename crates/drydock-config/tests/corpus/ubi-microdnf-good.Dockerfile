# syntax=docker/dockerfile:1.7
FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4-1227@sha256:104cf11d890aeb7dd5728b7d7732e175a0e4018f1bb00d2faebcc8f6bf29bd52

RUN microdnf install -y --nodocs --setopt=install_weak_deps=0 \
        java-17-openjdk-headless-17.0.11.0.9-2.el9 \
        shadow-utils-4.9-8.el9 \
 && microdnf clean all \
 && useradd --uid 10001 --system --no-create-home app

WORKDIR /opt/app
COPY --chown=10001:0 --chmod=0550 target/app.jar /opt/app/app.jar
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["java", "-cp", "/opt/app/app.jar", "health.Check"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/app/app.jar"]
