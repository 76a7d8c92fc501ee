{#- One row per requisition: the job as advertised, with when it opened and closed. -#}
select
    requisition_id,
    job_title,
    job_family,
    department,
    location,
    opened_at,
    closed_at,
    closed_at is null as is_open,
    job_family in ({{ "'" ~ var('customer_facing_families') | join("', '") ~ "'" }}) as is_customer_facing
from {{ ref('stg_ats__requisitions') }}
