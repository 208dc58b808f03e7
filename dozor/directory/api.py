"""JSON CRUD of the directory: groups, channels, topics, operators."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["directory"])
