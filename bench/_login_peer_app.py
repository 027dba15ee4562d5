"""The peer of bench/login_peer.py: a plain fastapi-users app (SQLAlchemy on SQLite through aiosqlite, bcrypt
through fastapi-users' password helper, JWT bearer logins), as its documentation sets one up.

It runs in the benchmark's own venv (bench/login_peer.py makes it; fastapi-users is no dependency of uidp):

- ``python bench/_login_peer_app.py seed --count N`` makes the tables and N users ``person{i}@bench.example``
  that share one hash of the password (as ``uidp seed-persons`` does), at the cost of ``PEER_ROUNDS``;
- ``uvicorn _login_peer_app:app --app-dir bench --workers 2`` serves ``POST /auth/jwt/login`` (form fields
  ``username``, ``password``) and ``GET /health``.

Settings from the environment: ``PEER_DB`` (the SQLite file), ``PEER_ROUNDS`` (bcrypt cost, default 12),
``PEER_SECRET`` (the JWT key).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from collections.abc import AsyncGenerator

from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.password import PasswordHelper
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DB_PATH = os.environ.get("PEER_DB", "peer.sqlite3")
ROUNDS = int(os.environ.get("PEER_ROUNDS", "12"))
SECRET = os.environ.get("PEER_SECRET", "bench-peer-secret-not-for-production-0123456789")


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


engine = create_async_engine(f"sqlite+aiosqlite:///{DB_PATH}")
session_maker = async_sessionmaker(engine, expire_on_commit=False)
password_helper = PasswordHelper(PasswordHash((BcryptHasher(rounds=ROUNDS),)))


async def get_session() -> AsyncGenerator[AsyncSession, None]:
    async with session_maker() as session:
        yield session


async def get_user_db(session: AsyncSession = Depends(get_session)) -> AsyncGenerator[SQLAlchemyUserDatabase, None]:
    yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


async def get_user_manager(user_db: SQLAlchemyUserDatabase = Depends(get_user_db)) -> AsyncGenerator[UserManager, None]:
    yield UserManager(user_db, password_helper)


def get_jwt_strategy() -> JWTStrategy:
    return JWTStrategy(secret=SECRET, lifetime_seconds=3600)


backend = AuthenticationBackend(
    name="jwt", transport=BearerTransport(tokenUrl="auth/jwt/login"), get_strategy=get_jwt_strategy
)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])

app = FastAPI()
app.include_router(fastapi_users.get_auth_router(backend), prefix="/auth/jwt")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def email(serial: int) -> str:
    """The login name of seeded user ``serial``."""
    return f"person{serial}@bench.example"


async def seed(count: int, password: str) -> None:
    """Make the table and users 0..count-1, active and verified, sharing one hash of ``password``."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    hashed = password_helper.hash(password)
    rows = [
        {"id": uuid.uuid4(), "email": email(i), "hashed_password": hashed, "is_active": True, "is_verified": True}
        for i in range(count)
    ]
    async with session_maker() as session, session.begin():
        await session.execute(insert(User), rows)
    await engine.dispose()
    for i in range(count):
        print(email(i))


def main() -> None:
    parser = argparse.ArgumentParser(description="seed the fastapi-users peer's database")
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed", help="make the table and the users; prints their login names")
    seeding.add_argument("--count", type=int, default=200)
    seeding.add_argument("--password", required=True)
    options = parser.parse_args()
    asyncio.run(seed(options.count, options.password))


if __name__ == "__main__":
    main()
