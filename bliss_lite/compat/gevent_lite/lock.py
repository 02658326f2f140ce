"""``gevent.lock`` on threads."""

from threading import BoundedSemaphore, Lock, RLock, Semaphore

__all__ = ["BoundedSemaphore", "Lock", "RLock", "Semaphore"]
