{#- The latest version of each candidate. -#}
{{ config(materialized='incremental', unique_key='candidate_id') }}

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
    _extract_date,
    _loaded_at
from latest
