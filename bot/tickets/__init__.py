"""The ticket domain: lifecycle, numbers, priorities and time limits, routing, duplicates.

Plain Python with no framework imports: persistence and the conversation call into it.
"""

REQUEST_TYPES = ("repair", "noise_dispute", "parcel", "pension_certification")
