{#- What was known about each application when it was decided (or, while it is open, as of the
    warehouse's date, also before any AI recommendation arrived): the candidate's version current at that moment and its skills mapped to
    the taxonomy, and the requisition's job family then. A candidate or requisition record changed
    after the decision never changes that decision's features. The features of the hire_success
    model (hr_pipeline/ml/spec.py).
    Incremental: a build recomputes the open applications (known as of the warehouse's date, which
    moves) and those whose application, decision, candidate or requisition had a version loaded since
    the last build; nothing else can change a decided application's features. -#}
{{ config(materialized='incremental', unique_key='application_id', on_schema_change='fail') }}

with applications as (
    select
        applications.application_id,
        applications.candidate_id,
        applications.requisition_id,
        coalesce(decisions.decided_at, cast(as_of.as_of_date as {{ dbt.type_timestamp() }})) as known_at,
        greatest(applications._loaded_at, decisions._loaded_at) as _loaded_at
    from {{ ref('stg_ats__applications') }} as applications
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('stg_ats__recruiter_decisions') }} as decisions
        on decisions.application_id = applications.application_id
    {%- if is_incremental() %}
    where decisions.application_id is null
        or {{ loaded_since_last_build('applications._loaded_at') }}
        or {{ loaded_since_last_build('decisions._loaded_at') }}
        or applications.candidate_id in (
            select candidate_id from {{ ref('stg_ats__candidate_versions') }}
            where {{ loaded_since_last_build('_loaded_at') }}
        )
        or applications.requisition_id in (
            select requisition_id from {{ ref('stg_ats__requisition_versions') }}
            where {{ loaded_since_last_build('_loaded_at') }}
        )
    {%- endif %}
),

candidates as (
    {{ version_known_at('applications', 'application_id', ref('stg_ats__candidate_versions'), 'candidate_id') }}
),

requisitions as (
    {{ version_known_at('applications', 'application_id', ref('stg_ats__requisition_versions'), 'requisition_id') }}
),

mentions as (
    select distinct
        written.application_id,
        taxonomy.canonical_skill,
        taxonomy.category
    from (
        select application_id, lower(trim({{ unnest_list('skills') }})) as skill_mention
        from candidates
        where skills is not null
    ) as written
    inner join {{ ref('skill_taxonomy') }} as taxonomy
        on taxonomy.alias = written.skill_mention
),

skills as (
    select
        application_id,
        count(*) as n_skills,
        count(case when category = 'soft' then 1 end) as n_soft_skills,
        {{ dbt.listagg("case when category = 'soft' then canonical_skill end", "';'", "order by canonical_skill") }}
            as soft_skills
    from mentions
    group by application_id
)

select
    applications.application_id,
    applications.known_at,
    candidates.updated_at as candidate_version_at,
    candidates.years_experience,
    candidates.education,
    candidates.grade_average,
    candidates.international_experience,
    candidates.source_channel,
    requisitions.job_family,
    coalesce(skills.n_skills, 0) as n_skills,
    coalesce(skills.n_soft_skills, 0) as n_soft_skills,
    skills.soft_skills,
    greatest(applications._loaded_at, candidates._loaded_at, requisitions._loaded_at) as _loaded_at
from applications
left join candidates
    on candidates.application_id = applications.application_id
left join requisitions
    on requisitions.application_id = applications.application_id
left join skills
    on skills.application_id = applications.application_id
