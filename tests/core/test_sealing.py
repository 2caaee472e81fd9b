import base64
import json
from difflib import SequenceMatcher

import pytest
from nacl.public import PublicKey, SealedBox

from entraide.sealing import (
    Contact,
    KeyPair,
    SealingError,
    fingerprint,
    hash_withdraw_key,
    withdraw_key_matches,
)

PREFIX = "sealed:v2:"


def sealed_v1(keys: KeyPair, contact: Contact) -> str:
    """A contact as the endpoint sealed it before v2: its fingerprint in clear, then the box."""
    plaintext = json.dumps({"email": contact.email, "phone": contact.phone}, ensure_ascii=False).encode()
    box = SealedBox(PublicKey(base64.b64decode(keys.public))).encrypt(plaintext)
    return f"sealed:v1:{keys.fingerprint(contact)}:{base64.urlsafe_b64encode(box).decode()}"


def longest_common_substring(a: str, b: str) -> int:
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size


def test_a_sealed_contact_opens_with_its_key_and_reveals_nothing_without_it():
    keys = KeyPair.generate()
    contact = Contact(email="odile.martin@example.fr", phone="06 12 34 56 78")
    sealed = keys.seal(contact)
    assert sealed.startswith(PREFIX)
    assert "odile" not in sealed and "0612" not in sealed.replace(" ", "") and "example" not in sealed
    assert keys.unseal(sealed) == contact
    with pytest.raises(SealingError, match="autre clé"):
        KeyPair.generate().unseal(sealed)


def test_two_entries_of_one_person_cannot_be_linked_from_the_file_text():
    keys = KeyPair.generate()
    first = keys.seal(Contact(email="odile.martin@example.fr", phone="06 12 34 56 78"))
    second = keys.seal(Contact(email="odile.martin@example.fr", phone="06 12 34 56 78"))
    assert first.count(":") == 2, "a new sealed contact is the prefix and the box, no fingerprint"
    assert fingerprint(first) == fingerprint(second) == "", "without the key, nothing links them"
    # Random base64 texts of ~400 characters share about 3 characters by chance (8 or more: odds below 1e-9);
    # a fingerprint written in clear, as v1 did, would be 24 shared characters.
    assert longest_common_substring(first.removeprefix(PREFIX), second.removeprefix(PREFIX)) < 8
    other = keys.seal(Contact(email="o@example.fr"))
    assert len(other) == len(first), "the box's length does not tell a short contact from a long one"


def test_moderators_link_one_persons_entries_with_the_key_only():
    keys = KeyPair.generate()
    first = keys.seal(Contact(email="A@example.fr", phone=""))
    second = keys.seal(Contact(email=" a@example.fr", phone=""))
    assert fingerprint(first, keys) == fingerprint(second, keys) != ""
    assert fingerprint(keys.seal(Contact(email="b@example.fr")), keys) != fingerprint(first, keys)
    other_instance = KeyPair.generate()
    assert fingerprint(other_instance.seal(Contact(email="a@example.fr")), other_instance) != fingerprint(first, keys)
    assert fingerprint(first, other_instance) == "", "another instance's key opens nothing, links nothing"


def test_a_v1_contact_still_opens_and_links_with_the_same_persons_v2_contacts():
    keys = KeyPair.generate()
    contact = Contact(email="odile.martin@example.fr", phone="06 12 34 56 78")
    old = sealed_v1(keys, contact)
    assert keys.unseal(old) == contact
    assert fingerprint(old) == keys.fingerprint(contact), "v1 fingerprints still count, even without the key"
    assert fingerprint(old, keys) == fingerprint(keys.seal(contact), keys)
    with pytest.raises(SealingError, match="autre clé"):
        KeyPair.generate().unseal(old)


@pytest.mark.parametrize("text", ["sealed:v2:a:b", "sealed:v1:abc", "sealed:v3:AAAA", "AAAA", ""])
def test_a_contact_in_no_known_format_is_explained(text):
    with pytest.raises(SealingError, match="format scellé"):
        KeyPair.generate().unseal(text)
    assert fingerprint(text, KeyPair.generate()) == ""


def test_a_key_pair_is_restored_from_its_private_half_and_a_bad_key_is_explained():
    keys = KeyPair.generate()
    assert KeyPair.from_private(keys.private) == keys
    with pytest.raises(SealingError, match="entraide keygen"):
        KeyPair.from_private("pas une clé")


def test_only_a_withdraw_key_s_own_hash_matches_it():
    key, other = "3mxLKokrLuzFrOVoEkT05w", "DjMrODBdhnw9DdPy6rfOhw"
    stored = hash_withdraw_key(key)
    assert key not in stored
    assert withdraw_key_matches(key, stored)
    assert not withdraw_key_matches(other, stored)
    assert not withdraw_key_matches(key, "")
