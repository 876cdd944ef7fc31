"""placeholder"""


def write(results):
    pass
