"""Login and logout pages."""

from fastapi import APIRouter

router = APIRouter()
