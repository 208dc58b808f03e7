"""HTML pages of conversations."""

from fastapi import APIRouter

router = APIRouter()
