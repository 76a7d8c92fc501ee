{#- The latest version of each candidate. -#}
with latest as (
    {{ latest_version(ref('stg_ats__candidate_versions'), 'candidate_id', 'updated_at') }}
)

select
    candidate_id,
    person_key,
    skills,
    years_experience,
    education,
    grade_average,
    international_experience,
    source_channel,
    updated_at,
    _extract_date
from latest
