FROM fedora:39

LABEL org.opencontainers.image.source="https://github.com/acme/report-worker"

RUN dnf upgrade -y && dnf install -y python3 python3-pip poppler-utils
RUN dnf install -y gcc-13.2.1-6.fc39 redhat-rpm-config \
 && dnf clean all
RUN pip3 install reportlab pdfminer.six==20231228
RUN curl -fsSL https://install.python-poetry.org | python3 -

WORKDIR /srv/worker
COPY . .
RUN useradd --uid 10001 --no-create-home worker
USER worker
CMD ["python3", "-m", "worker"]
