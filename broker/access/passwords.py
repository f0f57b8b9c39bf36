"""Password hashing (werkzeug's scrypt: a slow, salted, memory-hard hash)."""
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
# werkzeug's scrypt defaults (N=2**15, r=8, p=1). A hash records its own parameters, so the
# test suite lowers the work factor (tests/conftest.py) and every hash still verifies.
METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so timing does not reveal unknown accounts.
        check_password_hash(_DUMMY, password)
        return False
    return check_password_hash(stored_hash, password)


_DUMMY = generate_password_hash("not-a-password-0000", method="scrypt")
