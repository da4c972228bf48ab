"""A lease row in the shared database: which process is the one active scheduler.

The holder renews its heartbeat; another process may take the lease once the heartbeat is older than
the lease's time to live. Every change is one conditional statement, so two processes racing for an
expired lease cannot both win. Hosts are expected to keep their clocks in sync (NTP).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aggregator.models import SchedulerLease
from aggregator.types import utcnow

SCHEDULER_LEASE = "scheduler"
# A scheduler renews its heartbeat every few seconds: silent this long, none is running.
SCHEDULER_SILENCE = timedelta(minutes=1)


def process_identity() -> str:
    """This process as ``host:pid``, the form crawl runs use to name who supervises them."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class LeaseState:
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime


@dataclass
class Lease:
    """One named lease, seen from one would-be holder."""

    sessions: sessionmaker[Session]
    holder: str
    ttl: float
    name: str = SCHEDULER_LEASE
    previous_holder: str | None = None

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours; ``previous_holder`` says from whom."""
        previous = self.state()
        now = utcnow()
        with self.sessions.begin() as session:
            if previous is None:
                try:
                    with session.begin_nested():
                        session.add(
                            SchedulerLease(
                                name=self.name, holder=self.holder, acquired_at=now, heartbeat_at=now
                            )
                        )
                except IntegrityError:
                    return False
                self.previous_holder = None
                return True
            # Conditional on the holder we saw: of two standbys racing for it, one update matches.
            taken = session.execute(
                update(SchedulerLease)
                .where(
                    SchedulerLease.name == self.name,
                    SchedulerLease.holder == previous.holder,
                    or_(
                        SchedulerLease.holder == self.holder, SchedulerLease.heartbeat_at < self._expiry(now)
                    ),
                )
                .values(holder=self.holder, acquired_at=now, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.previous_holder = None if previous.holder == self.holder else previous.holder
        return True

    def renew(self) -> bool:
        """Beat the heart; False when the lease is no longer ours."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        return result.rowcount == 1  # type: ignore[attr-defined]

    def release(self) -> None:
        """Give the lease up at once, so a standby need not wait for it to expire."""
        with self.sessions.begin() as session:
            session.execute(
                delete(SchedulerLease).where(
                    SchedulerLease.name == self.name, SchedulerLease.holder == self.holder
                )
            )

    def state(self) -> LeaseState | None:
        with self.sessions() as session:
            row = session.scalars(select(SchedulerLease).where(SchedulerLease.name == self.name)).first()
            return None if row is None else LeaseState(row.holder, row.acquired_at, row.heartbeat_at)

    def _expiry(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.ttl)


def lease_state(session: Session, name: str = SCHEDULER_LEASE) -> LeaseState | None:
    """Who holds the lease, for pages and commands that only look."""
    row = session.get(SchedulerLease, name)
    return None if row is None else LeaseState(row.holder, row.acquired_at, row.heartbeat_at)


def scheduler_running(session: Session) -> bool:
    """Whether an active scheduler renewed its lease lately (a crawl asked for now will start)."""
    state = lease_state(session)
    return state is not None and utcnow() - state.heartbeat_at < SCHEDULER_SILENCE
