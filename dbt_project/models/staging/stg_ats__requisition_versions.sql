{#- Every version of every requisition the ATS sent, cleaned: which job family a requisition had at
    any moment (the point-in-time features of int_application_features read it). -#}
select
    cast(requisition_id as {{ dbt.type_string() }}) as requisition_id,
    {{ clean_category('job_family') }} as job_family,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _row_number,
    _loaded_at
from {{ source('raw', 'ats_requisitions') }}
