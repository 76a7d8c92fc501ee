{#- Every application with what the funnel marts slice it by: the candidate's source channel and
    person key, the requisition's job family. One row per application, kept when the candidate or
    requisition is missing (for example in quarantine). -#}
select
    applications.application_id,
    applications.candidate_id,
    candidates.person_key,
    applications.requisition_id,
    requisitions.job_family,
    candidates.source_channel,
    applications.applied_at,
    applications.stage as current_stage
from {{ ref('stg_ats__applications') }} as applications
left join {{ ref('stg_ats__candidates') }} as candidates
    on candidates.candidate_id = applications.candidate_id
left join {{ ref('stg_ats__requisitions') }} as requisitions
    on requisitions.requisition_id = applications.requisition_id
