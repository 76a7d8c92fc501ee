{#- Every version of every candidate the ATS sent, cleaned: what was known about a candidate at any
    moment (the point-in-time features of int_application_features read it). -#}
select
    cast(candidate_id as {{ dbt.type_string() }}) as candidate_id,
    cast(person_key as {{ dbt.type_string() }}) as person_key,
    skills,
    cast(years_experience as {{ type_double() }}) as years_experience,
    {{ clean_category('education') }} as education,
    cast(grade_average as {{ type_double() }}) as grade_average,
    cast(international_experience as {{ dbt.type_boolean() }}) as international_experience,
    {{ clean_category('source_channel') }} as source_channel,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _row_number,
    _loaded_at
from {{ source('raw', 'ats_candidates') }}
